// Fixtures for the server tests: a tiny GRU checkpoint with random weights and the eight RAVDESS
// labels (its predictions mean nothing, but are deterministic), browser-style recordings encoded
// with FFmpeg (WebM/Opus like Chrome, Ogg/Opus like Firefox, fragmented MP4/AAC like Safari, a
// plain .m4a), a raw HTTP/1.1 request (paths sent byte for byte, no client-side encoding), and a
// server started on a free local port.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/model/checkpoint.h"

namespace calmspace::testing {

inline const std::vector<std::string> kRavdessLabels = {
    "neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"};

// Snip-edges framing (features.center=false), so a 5 ms recording gives no frame at all.
Checkpoint fixture_checkpoint(std::uint64_t seed = 7);
// Saves fixture_checkpoint() as an HDF5 checkpoint and a Markdown card beside it (same stem).
void write_fixture_model(const std::filesystem::path& h5_path, const std::string& card_text);

// A speech-like test signal: a voiced tone whose pitch glides 120-220 Hz with harmonics, under a
// syllable-rate (4 Hz) envelope, plus a little noise. Mono, amplitude < 0.6.
std::vector<float> voice_like(double seconds, int sample_rate, std::uint64_t seed = 3);

// Encodes mono `samples` at `sample_rate` with FFmpeg to a file: `muxer` "webm", "ogg", "mp4",
// "adts"; `encoder` "libopus", "aac"; `movflags` e.g. "frag_keyframe+empty_moov" (Safari's
// MediaRecorder output) or "" (an ordinary .m4a). Returns the file's bytes.
std::string encode_with_ffmpeg(const std::filesystem::path& path, std::span<const float> samples,
                               int sample_rate, const char* muxer, const char* encoder,
                               const char* movflags = "");

// Sends `raw_target` as the request target of "METHOD raw_target HTTP/1.1" to 127.0.0.1:port;
// returns the status code (0 on a connection error) and the body in *body.
int raw_http(int port, const std::string& method, const std::string& raw_target, std::string* body);

std::string read_file(const std::filesystem::path& path);

}  // namespace calmspace::testing
