// Fixtures for the server tests (the model and signal fixtures are support/model_fixtures.h):
// browser-style recordings encoded
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

#include "core/run/checkpoint.h"
#include "support/model_fixtures.h"

namespace calmspace::testing {

// Encodes mono `samples` at `sample_rate` with FFmpeg to a file: `muxer` "webm", "ogg", "mp4",
// "adts"; `encoder` "libopus", "aac"; `movflags` e.g. "frag_keyframe+empty_moov" (Safari's
// MediaRecorder output) or "" (an ordinary .m4a). Returns the file's bytes.
std::string encode_with_ffmpeg(const std::filesystem::path& path, std::span<const float> samples,
                               int sample_rate, const char* muxer, const char* encoder,
                               const char* movflags = "");

// Sends `raw_target` as the request target of "METHOD raw_target HTTP/1.1" to 127.0.0.1:port;
// returns the status code (0 on a connection error) and the body in *body.
int raw_http(int port, const std::string& method, const std::string& raw_target, std::string* body);

// Sends `request` byte for byte to 127.0.0.1:port and returns everything the server sends until
// it closes the connection ("" when it cannot connect; gives up after 120 s without a byte).
std::string raw_exchange(int port, const std::string& request);

std::string read_file(const std::filesystem::path& path);

}  // namespace calmspace::testing
