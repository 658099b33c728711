// Reading back an ONNX model that `calmspace export --format onnx` (or `calibrate --out X.onnx`)
// wrote, so that `predict --model X.onnx` and every other command that takes a model run it as
// they run the .safetensors of the same model.
//
// CalmSpace runs the model with its own kernels, not with an ONNX runtime (Debian 12 packages
// none for C++). That is exact only for a graph CalmSpace's exporter makes, so the import proves
// the file is one:
//   1. metadata_props must carry format "calmspace-model" and the run's config and labels
//      (checkpoint_safetensors.h), which give the parameter layout;
//   2. the exporter is run twice on a probe checkpoint of that layout whose weight i holds i, then
//      i + 1/2: an initializer element that reads i and i + 1/2 is a copy of weight i, which is how
//      the weights are found in the file's initializers whatever the gate order or bias packing
//      (export_onnx.h); input_norm.mean and input_norm.inv_std are read by name (std = 1 / inv_std,
//      the float whose reciprocal gives the stored value back);
//   3. the recovered checkpoint is exported again and its graph, opset and IR version must equal
//      the file's, initializer for initializer and node for node (doc strings aside), and its
//      metadata must be the file's (the feature options onnxruntime users read included); the
//      file may hold no model functions or training info.
// A file smaller than its options' weights (and audio front-end) need is refused before the
// probes run, so the work stays proportional to the file, at most kMaxOnnxModelBytes.
// Anything else (a graph edited, converted or quantised elsewhere, another exporter, raw_data
// initializers) is an InputError(path, reason) that says to run it with onnxruntime or to give
// the .h5/.safetensors it came from. The model's input (features or audio) is taken from the
// graph; CalmSpace computes the features itself either way, and the audio graph's in-graph
// features match CalmSpace's (tests/export/onnx_runtime_test.cpp). Predictions equal the
// checkpoint's bit for bit; with voice enrolment (which scales the std itself) to float rounding.
#pragma once

#include <string>

#include "core/run/checkpoint.h"

namespace calmspace {

// `bytes`: a serialized onnx.ModelProto, read from `path` (named in every error).
Checkpoint checkpoint_from_onnx(const std::string& bytes, const std::string& path);

// Reads `path` (at most kMaxOnnxModelBytes) and imports it as above.
Checkpoint load_onnx_checkpoint(const std::string& path);

// A genuine export holds under 2^22 weights and, with audio input, a mel matrix of at most
// (n_fft / 2 + 1) x n_mels floats: well under this.
inline constexpr std::size_t kMaxOnnxModelBytes = std::size_t{256} << 20;  // 256 MiB

}  // namespace calmspace
