// fuzz_make_seeds OUT_DIR [CORPORA_DIR]: writes a seed corpus per target into OUT_DIR/<target>/:
// recordings in every format the decoders take (libsndfile: WAV 16/24/float, FLAC, OGG Vorbis,
// AIFF; FFmpeg: WebM/Opus, MP4/AAC, ADTS), the quirks recordings when CORPORA_DIR/quirks exists,
// live streams, the project's configs with overrides, structure descriptions of datasets, the
// fixture model's export and HTTP requests (an upload, paging, ranges, deletes, static files).
#include <sndfile.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "audio/audio_fixtures.h"
#include "core/audio/encode.h"
#include "core/audio/ffmpeg_encode.h"
#include "core/export/export_onnx.h"
#include "core/export/export_safetensors.h"
#include "fuzz/fuzz_targets.h"
#include "support/model_fixtures.h"

namespace fs = std::filesystem;
using calmspace::testing::read_bytes;

namespace {

void put(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

// Recordings: half a second of the speech-like fixture signal in each format.
std::vector<std::pair<std::string, std::string>> recordings(const fs::path& work,
                                                            const fs::path& corpora) {
  const std::vector<float> voice = calmspace::testing::voice_like(0.5, 16000);
  std::vector<std::pair<std::string, std::string>> out;
  const std::pair<const char*, int> sndfile_formats[] = {
      {"pcm16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16},
      {"pcm24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24},
      {"float.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT},
      {"clip.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16},
      {"clip.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS},
      {"clip.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16},
      {"u8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8}};
  for (const auto& [name, format] : sndfile_formats) {
    if (!calmspace::testing::can_write(format, 16000, 1)) continue;
    const fs::path path = work / name;
    if (calmspace::testing::write_sound(path, voice, 1, 16000, format))
      out.emplace_back(name, read_bytes(path));
  }
  const std::pair<const char*, calmspace::EncodeSpec> ffmpeg_formats[] = {
      {"chrome.webm", {"webm", "libopus", 24000, ""}},
      {"firefox.ogg", {"ogg", "libopus", 24000, ""}},
      {"safari.mp4", {"mp4", "aac", 32000, "frag_keyframe+empty_moov"}},
      {"clip.aac", {"adts", "aac", 32000, ""}}};
  for (const auto& [name, spec] : ffmpeg_formats) {
    try {
      out.emplace_back(name, calmspace::ffmpeg_encode(voice, 16000, spec));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fuzz_make_seeds: %s skipped (%s)\n", name, e.what());
    }
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(corpora / "quirks", ec))
    if (entry.is_regular_file() && entry.file_size() <= (1u << 20))
      out.emplace_back("quirk-" + entry.path().filename().string(), read_bytes(entry.path()));
  return out;
}

std::string http(const std::string& head, const std::string& body = "") {
  return head + "\r\nHost: 127.0.0.1:8080\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

std::string upload(const std::string& wav) {
  const std::string boundary = "----calmspace";
  const std::string body = "--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.wav\""
                           "\r\nContent-Type: audio/wav\r\n\r\n" +
                           wav + "\r\n--" + boundary + "--\r\n";
  return "POST /api/analyses HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nOrigin: http://127.0.0.1:8080"
         "\r\nContent-Type: multipart/form-data; boundary=" +
         boundary + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: fuzz_make_seeds OUT_DIR [CORPORA_DIR]\n");
    return 2;
  }
  try {
    const fs::path out = argv[1], corpora = argc == 3 ? argv[2] : "";
    const fs::path work = out / ".work";
    fs::create_directories(work);

    const auto audio = recordings(work, corpora);
    for (const auto& [name, bytes] : audio) put(out / "decode_audio", name, bytes);
    for (const auto& [name, bytes] : audio)  // the generated WAVs (the quirks are long)
      if (name.ends_with(".wav") && !name.starts_with("quirk-"))
        put(out / "pcm_stream", name, std::string(1, '\1') + bytes);
    const std::vector<float> voice = calmspace::testing::voice_like(0.2, 16000);
    std::string raw(voice.size() * 2, '\0');
    for (std::size_t i = 0; i < voice.size(); ++i) {
      const auto s = static_cast<std::int16_t>(voice[i] * 32767);
      raw[2 * i] = static_cast<char>(s & 0xff);
      raw[2 * i + 1] = static_cast<char>((s >> 8) & 0xff);
    }
    put(out / "pcm_stream", "raw.s16le", std::string(1, '\2') + raw);

    const char* overrides = "features.n_mels=40\nmodel.cell=lstm\ntrain.epochs=3";
    for (const auto& entry : fs::recursive_directory_iterator(CALMSPACE_SOURCE_DIR "/configs"))
      if (entry.path().extension() == ".yaml")
        put(out / "config", entry.path().filename().string(),
            read_bytes(entry.path()) + std::string(1, '\0') + overrides);

    std::mt19937 rng(1);
    for (int k = 0; k < 8; ++k) {
      std::string bytes(600, static_cast<char>(k < 4 ? 1 + k : 0));
      if (k >= 4)
        for (char& c : bytes) c = static_cast<char>(rng());
      put(out / "dataset_file", "structure-" + std::to_string(k), bytes);
    }

    calmspace::export_safetensors(calmspace::testing::fixture_checkpoint(),
                                  (work / "model.safetensors").string());
    put(out / "model_file", "fixture.safetensors", read_bytes(work / "model.safetensors"));
    calmspace::export_onnx(calmspace::testing::fixture_checkpoint(),
                           (work / "model.onnx").string());
    put(out / "onnx_model", "fixture.onnx", read_bytes(work / "model.onnx"));
    // The audio-input graph needs centred frames; the fixture's snip-edge framing has none.
    calmspace::Checkpoint centred = calmspace::testing::fixture_checkpoint();
    calmspace::Config centred_config = centred.config();
    centred_config.features.center = true;
    centred.config_yaml = centred_config.to_yaml();
    calmspace::export_onnx(centred, (work / "audio.onnx").string(), calmspace::OnnxInput::Audio);
    put(out / "onnx_model", "fixture_audio.onnx", read_bytes(work / "audio.onnx"));

    const fs::path requests = out / "http_request";
    put(requests, "health", http("GET /health HTTP/1.1"));
    put(requests, "model", http("GET /api/model HTTP/1.1"));
    put(requests, "list", http("GET /api/analyses?limit=5&offset=0 HTTP/1.1"));
    put(requests, "page", http("GET / HTTP/1.1") + http("GET /js/app.js HTTP/1.1"));
    put(requests, "upload", upload(audio.front().second));
    put(requests, "upload-then-read",
        upload(audio.front().second) + http("GET /api/analyses/1 HTTP/1.1") +
            http("GET /api/analyses/1/audio HTTP/1.1\r\nRange: bytes=0-99") +
            http("DELETE /api/analyses/1 HTTP/1.1\r\nOrigin: http://127.0.0.1:8080"));
    put(requests, "traversal", http("GET /../../etc/passwd HTTP/1.1"));
    fs::remove_all(work);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_make_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
