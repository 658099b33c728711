#include "core/export/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>

#include "core/base/error.h"
#include "core/export/export_onnx.h"
#include "core/features/framing.h"
#include "core/run/checkpoint_safetensors.h"

namespace calmspace {
namespace {

// Probe weights i and i + 1/2 are exact float32 values below 2^23; the limit keeps a margin.
constexpr std::size_t kMaxImportedWeights = std::size_t{1} << 22;

const std::string kNotOurs =
    "run it with onnxruntime, or give CalmSpace the .h5 or .safetensors it was exported from";

onnx::ModelProto parse_model(const std::string& bytes, const std::string& path) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) throw InputError(path, "not an ONNX model (does not parse)");
  return model;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// The fewest bytes a genuine export of these options holds: every weight as a float, and for an
// audio graph its window (n_fft) and mel matrix (n_fft / 2 + 1, n_mels) (onnx_audio_frontend.cpp).
// A smaller file cannot be one, and is refused before the probes cost anything.
std::size_t least_export_bytes(const Config& config, std::size_t num_weights, bool audio) {
  std::size_t floats = num_weights;
  if (audio) {
    const auto n_fft = static_cast<std::size_t>(
        FrameLayout::from(config.features, config.audio.sample_rate).n_fft);
    floats += n_fft + (n_fft / 2 + 1) * static_cast<std::size_t>(config.features.n_mels);
  }
  return floats * sizeof(float);
}

// The float s whose reciprocal, as the exporter computes it (1.0f / s), is `inv`.
float std_from_inverse(float inv, const std::string& path) {
  if (!std::isfinite(inv) || inv <= 0.0f)
    throw InputError(
        path, "input_norm.inv_std holds a value that is not a finite number > 0; " + kNotOurs);
  // The rounding of 1 / inv and of 1 / s can each be off by half an ulp: look a few ulps around.
  float up = 1.0f / inv, down = up;
  for (int step = 0; step <= 4; ++step) {
    if (1.0f / up == inv) return up;
    if (1.0f / down == inv) return down;
    up = std::nextafter(up, std::numeric_limits<float>::infinity());
    down = std::nextafter(down, 0.0f);
  }
  throw InputError(path, "input_norm.inv_std is not the reciprocal of any float std; " + kNotOurs);
}

// The export of `shell` with weight i = i + offset, input norm 0 / 1.
onnx::ModelProto probe(const Checkpoint& shell, std::size_t num_weights, std::int64_t F,
                       float offset, OnnxInput input) {
  Checkpoint c = shell;
  c.weights.resize(num_weights);
  for (std::size_t i = 0; i < num_weights; ++i) c.weights[i] = static_cast<float>(i) + offset;
  c.norm_mean.assign(static_cast<std::size_t>(F), 0.0f);
  c.norm_std.assign(static_cast<std::size_t>(F), 1.0f);
  return parse_model(onnx_model_bytes(c, input), "the probe export");
}

// Fills c.weights and c.norm_mean / norm_std from the file's initializers, matched position by
// position with the two probes': an element that reads i in `whole` and i + 1/2 in `half` is a
// copy of weight i. Every weight must be found.
void recover_weights(const onnx::ModelProto& file, const onnx::ModelProto& whole,
                     const onnx::ModelProto& half, std::size_t num_weights, Checkpoint& c,
                     const std::string& path) {
  const auto& got = file.graph().initializer();
  if (got.size() != whole.graph().initializer_size())
    throw InputError(path,
                     cat("has ", got.size(), " initializers where CalmSpace's export of ",
                         "its options has ", whole.graph().initializer_size(), "; ", kNotOurs));
  std::vector<char> found(num_weights, 0);
  for (int k = 0; k < got.size(); ++k) {
    const auto& a = whole.graph().initializer(k);
    const auto& b = half.graph().initializer(k);
    const auto& f = got.Get(k);
    CALMSPACE_CHECK(a.name() == b.name() && a.float_data_size() == b.float_data_size(),
                    "the two probe exports differ in shape at initializer ", k);
    if (f.name() != a.name() || f.data_type() != a.data_type() ||
        f.float_data_size() != a.float_data_size())
      throw InputError(path, cat("initializer ", k, " ('", f.name(), "') is not the '", a.name(),
                                 "' CalmSpace's export has there (or holds raw_data); ", kNotOurs));
    if (a.data_type() != onnx::TensorProto::FLOAT) continue;
    const bool mean = starts_with(a.name(), "input_norm.mean_");
    const bool inv_std = starts_with(a.name(), "input_norm.inv_std_");
    for (int e = 0; e < f.float_data_size(); ++e) {  // sizes: (F,) for the norm, as the probe's
      const float v = f.float_data(e);
      const float i_value = a.float_data(e);
      if (mean) {
        c.norm_mean[static_cast<std::size_t>(e)] = v;
      } else if (inv_std) {
        c.norm_std[static_cast<std::size_t>(e)] = std_from_inverse(v, path);
      } else if (i_value >= 0.0f && i_value < static_cast<float>(num_weights) &&
                 i_value == std::floor(i_value) && b.float_data(e) == i_value + 0.5f) {
        // A copy of weight i. Constants stay put between the probes; a huge one (the masks'
        // lowest float) would absorb the 1/2, and the range rules it out.
        const auto i = static_cast<std::size_t>(i_value);
        c.weights[i] = v;
        found[i] = 1;
      }
    }
  }
  for (const auto& p : c.layout)
    for (std::int64_t j = 0; j < p.size; ++j)
      if (!found[static_cast<std::size_t>(p.offset + j)])
        throw InputError(path, cat("weight ", p.name, " is not in the graph; ", kNotOurs));
}

// What decides the computation: IR version, opsets and the graph, doc strings cleared.
std::string computation_bytes(const onnx::ModelProto& model) {
  onnx::ModelProto m;
  m.set_ir_version(model.ir_version());
  *m.mutable_opset_import() = model.opset_import();
  *m.mutable_graph() = model.graph();
  auto* g = m.mutable_graph();
  g->clear_doc_string();
  for (auto& n : *g->mutable_node()) n.clear_doc_string();
  for (auto& v : *g->mutable_input()) v.clear_doc_string();
  for (auto& v : *g->mutable_output()) v.clear_doc_string();
  for (auto& t : *g->mutable_initializer()) t.clear_doc_string();
  std::string bytes;
  CALMSPACE_CHECK(m.SerializeToString(&bytes), "onnx.ModelProto did not serialize");
  return bytes;
}

}  // namespace

Checkpoint checkpoint_from_onnx(const std::string& bytes, const std::string& path) {
  const onnx::ModelProto file = parse_model(bytes, path);
  std::map<std::string, std::string> metadata;
  for (const auto& entry : file.metadata_props()) metadata[entry.key()] = entry.value();
  if (metadata.find("format") == metadata.end())
    throw InputError(path, "an ONNX model without CalmSpace's metadata; " + kNotOurs);
  Checkpoint c = checkpoint_shell_from_metadata(metadata, path);
  const Config config = c.config(path);
  const std::int64_t F = config.features.feature_dim(config.audio.sample_rate);
  std::size_t num_weights = 0;
  for (const auto& p : c.layout)
    num_weights = std::max(num_weights, static_cast<std::size_t>(p.offset + p.size));
  if (num_weights >= kMaxImportedWeights)
    throw InputError(path, cat("has ", num_weights, " weights; the ONNX import reads fewer than ",
                               kMaxImportedWeights, "; ", kNotOurs));
  const bool audio = file.graph().input_size() > 0 && file.graph().input(0).name() == "audio";
  const OnnxInput input = audio ? OnnxInput::Audio : OnnxInput::Features;

  c.weights.assign(num_weights, 0.0f);
  c.norm_mean.assign(static_cast<std::size_t>(F), 0.0f);
  c.norm_std.assign(static_cast<std::size_t>(F), 1.0f);
  try {
    if (const std::size_t least = least_export_bytes(config, num_weights, audio);
        bytes.size() < least)
      throw InputError(path, cat("is ", bytes.size(), " bytes, less than the ", least,
                                 " its own options' weights need; ", kNotOurs));
    const onnx::ModelProto whole = probe(c, num_weights, F, 0.0f, input);
    const onnx::ModelProto half = probe(c, num_weights, F, 0.5f, input);
    recover_weights(file, whole, half, num_weights, c, path);
  } catch (const InputError& e) {
    if (e.subject() == path) throw;
    // Options the exporter cannot write: the file is not its own.
    throw InputError(path, cat("its options cannot come from CalmSpace's ONNX export (", e.what(),
                               "); ", kNotOurs));
  }
  check_model_values(path, c);

  // Proof: the recovered model exports to the very graph and metadata the file holds, and the
  // file has nothing the exporter does not write.
  const onnx::ModelProto again = parse_model(onnx_model_bytes(c, input), path);
  if (computation_bytes(again) != computation_bytes(file))
    throw InputError(path,
                     "its graph is not the one CalmSpace's exporter makes from its own weights and "
                     "options (edited, converted, or from another CalmSpace version); " +
                         kNotOurs);
  if (metadata != model_export_metadata(c) || file.functions_size() != 0 ||
      file.training_info_size() != 0)
    throw InputError(path,
                     "its metadata or model functions are not what CalmSpace's exporter writes for "
                     "its config (edited, or from another CalmSpace version); " +
                         kNotOurs);
  return c;
}

Checkpoint load_onnx_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw InputError(path, "cannot be opened");
  const std::streamoff end = in.tellg();
  if (end < 0) throw InputError(path, "its size cannot be read (not a regular file?)");
  const auto size = static_cast<std::size_t>(end);
  if (size > kMaxOnnxModelBytes)
    throw InputError(path, cat("is ", size, " bytes; an ONNX model CalmSpace reads is at most ",
                               kMaxOnnxModelBytes, "; ", kNotOurs));
  std::string bytes(size, '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size)))
    throw InputError(path, "could not be read");
  return checkpoint_from_onnx(bytes, path);
}

}  // namespace calmspace
