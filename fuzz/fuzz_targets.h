// The fuzzing targets: each takes one input of any bytes and must come back without a crash, a
// hang, a sanitizer report, unbounded memory or an internal error. Bad input is expected: it must
// end as a calmspace::InputError (the one-line message a user sees), which the target swallows;
// anything else (calmspace::Error from an internal check, std::bad_alloc, another exception)
// escapes and is reported as a finding.
//   libfuzzer_main.cpp  one libFuzzer program per target (clang, CALMSPACE_FUZZ=ON,
//   scripts/fuzz.sh) make_seeds.cpp      the seed corpora: generated recordings, configs, datasets,
//   models, requests regressions/NAME/   inputs that once failed; tests/fuzz replays them in every
//   build
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace calmspace::fuzz {

using Input = std::span<const std::uint8_t>;

// An upload's bytes through the decoder entry point (sniffing, libsndfile, FFmpeg): the header's
// expected length, then the decode.
void decode_audio(Input input);
// The same bytes as `calmspace listen` reads them from a pipe: WAV header parser or raw PCM, read
// in small blocks. The first byte picks the declared format.
void pcm_stream(Input input);
// A YAML config file, then `section.key=value` overrides (the lines after the first NUL byte),
// resolved and validated as every command does.
void config(Input input);
// A dataset file whose structure (attributes, per-clip tables, waveforms, a feature set) is built
// from the bytes with the HDF5 library, then opened and read as training reads it. Structure-
// aware: raw-byte mutation would fuzz libhdf5's own parser, not CalmSpace's reader.
void dataset_file(Input input);
// A model export (.safetensors: CalmSpace's own parser) loaded as `predict --model` loads it.
void model_file(Input input);
// An ONNX model (.onnx: protobuf, then CalmSpace's import of its own exports) loaded the same way.
void onnx_model(Input input);
// Raw HTTP/1.1 requests (pipelined, up to 8) to an in-process `calmspace serve` with the tiny
// fixture model: host and origin guards, routes, multipart upload, analysis and history.
void http_request(Input input);

struct NamedTarget {
  std::string_view name;
  void (*run)(Input);
};
inline constexpr NamedTarget kTargets[] = {
    {"decode_audio", decode_audio}, {"pcm_stream", pcm_stream}, {"config", config},
    {"dataset_file", dataset_file}, {"model_file", model_file}, {"onnx_model", onnx_model},
    {"http_request", http_request},
};

}  // namespace calmspace::fuzz
