// ONNX parity: CalmSpace's ONNX export, run by a real runtime (onnxruntime-node, through
// tests/export/run_onnx.js), gives the CPU backend's logits and probabilities to 1e-5 (absolute)
// on a padded batch with ragged lengths, for every cell (rnn_tanh, rnn_relu, lstm, gru), uni-
// and bidirectional, 1 and 2 layers, every pooling (mean, max, last, attention); input_norm on
// for 2 layers, off for 1. Padded rows hold large noise, so any masking slip shows. Each case
// also runs its shortest clips alone (unpadded, time = its length) and must give the same row.
// A third of the cases carry a calibrated model.temperature T: their probabilities are
// softmax(logits / T), their logits the head's own. A second set does the same for the stacks
// between layers: model.residual, model.layer_norm (random scales and shifts) and both; a third
// for the convolutional front-end (time strides 1 and 2, ReLU and GELU, with and without its
// norm), whose causal kernels must not read the noisy padding either.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/export/export_onnx.h"
#include "core/features/cpu_feature_extractor.h"
#include "core/model/sequence_model.h"
#include "core/predict/predictor.h"
#include "support/model_fixtures.h"
#include "support/model_test_util.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using testing::ScratchDir;

constexpr double kTolerance = 1e-5;  // absolute, on logits and on probabilities
constexpr int kFeatures = 5, kClasses = 4, kBatch = 4, kFrames = 7;
const std::vector<std::int64_t> kLengths = {7, 3, 1, 5};

const std::string kScript = CALMSPACE_SOURCE_DIR "/tests/export/run_onnx.js";

// Why onnxruntime-node cannot run here, or "" when it can.
std::string onnxruntime_missing() {
  std::string out;
  if (testing::run_command("node --version", &out) != 0) return "node is not on PATH: " + out;
  if (testing::run_command("node " + kScript + " --probe", &out) != 0)
    return "onnxruntime-node is not usable from " CALMSPACE_SOURCE_DIR "/node_modules: " + out;
  return "";
}

nlohmann::json input_json(std::int64_t batch, std::int64_t frames,
                          const std::vector<float>& features,
                          const std::vector<std::int64_t>& lengths) {
  return {{"features", {{"dims", {batch, frames, kFeatures}}, {"data", features}}},
          {"lengths", lengths}};
}

void write_json(const std::filesystem::path& path, const nlohmann::json& j) {
  std::ofstream(path) << j.dump();
}

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  return nlohmann::json::parse(in);
}

struct Case {
  std::string name, cell;
  std::vector<float> logits, probabilities;  // (B, C) CalmSpace CPU backend
};

// A checkpoint of `model` as trained with `config`: labels c0..c{kClasses-1}, its weights and
// input normalisation.
Checkpoint checkpoint_of(SequenceModel& model, Config config, std::vector<float> mean,
                         std::vector<float> std_dev) {
  Checkpoint c;
  c.config_yaml = config.to_yaml();
  for (int k = 0; k < kClasses; ++k) c.labels.push_back("c" + std::to_string(k));
  c.layout = model.layout();
  c.weights.assign(model.weights().begin(), model.weights().end());
  c.norm_mean = std::move(mean);
  c.norm_std = std::move(std_dev);
  return c;
}

struct Stack {
  bool residual = false, layer_norm = false;
  int conv_stride_time = 0;  // > 0: model.frontend = conv with this time stride
  bool gelu = false, conv_layer_norm = true;
  int conv_bypass = 0;  // model.conv_bypass
};

// Builds one model, runs the CPU backend, writes model.onnx and the inputs into `folder`.
Case make_case(const std::filesystem::path& folder, CellKind cell, bool bidirectional, int layers,
               PoolingKind pooling, std::uint64_t seed, double temperature, Stack stack = {}) {
  Config config;
  config.features.n_mels = kFeatures;
  config.model.cell = cell;
  config.model.hidden_size = 4;
  config.model.num_layers = layers;
  config.model.bidirectional = bidirectional;
  config.model.pooling = pooling;
  config.model.attention_dim = 3;
  config.model.dropout = 0.3;  // training-only: the export must ignore it
  config.model.input_norm = layers == 2;
  config.model.temperature = temperature;
  config.model.residual = stack.residual;
  config.model.layer_norm = stack.layer_norm;
  if (stack.conv_stride_time > 0) {
    config.model.frontend = FrontendKind::Conv;
    config.model.conv_channels = 3;
    config.model.conv_stride_time = stack.conv_stride_time;
    config.model.conv_activation = stack.gelu ? ActivationKind::Gelu : ActivationKind::Relu;
    config.model.conv_layer_norm = stack.conv_layer_norm;
    config.model.conv_bypass = stack.conv_bypass;
  }
  auto model = make_cpu_sequence_model(config.model, kFeatures, kClasses, seed);
  testing::randomise_layer_norms(*model, seed);  // off their identity start
  auto mean = testing::white_noise(kFeatures, 2.0, seed + 1);
  auto std_dev = testing::white_noise(kFeatures, 1.0, seed + 2);
  for (auto& s : std_dev) s = std::abs(s) + 0.5f;
  model->set_input_norm(mean, std_dev);

  PaddedBatch x;
  x.batch = kBatch;
  x.max_frames = kFrames;
  x.dim = kFeatures;
  x.lengths = kLengths;
  x.data = testing::white_noise(kBatch * kFrames * kFeatures, 1.5, seed + 3);
  for (std::int64_t b = 0; b < kBatch; ++b)
    for (std::int64_t t = 0; t < kFrames; ++t)
      for (std::int64_t f = 0; f < kFeatures; ++f)
        x.at(b, t, f) = t < kLengths[b] ? x.at(b, t, f) + mean[f] : 40.0f * x.at(b, t, f);

  Case c;
  c.cell = enum_name(cell_kind_table(), cell);
  c.name = c.cell + (bidirectional ? "_bi_" : "_uni_") + std::to_string(layers) + "l_" +
           enum_name(pooling_kind_table(), pooling) + (stack.residual ? "_residual" : "") +
           (stack.layer_norm ? "_norm" : "") +
           (stack.conv_stride_time > 0 ? "_conv" + std::to_string(stack.conv_stride_time) : "") +
           (stack.gelu ? "_gelu" : "") +
           (stack.conv_bypass > 0 ? "_bypass" + std::to_string(stack.conv_bypass) : "");
  model->forward(x, c.logits, false, 0);
  for (std::int64_t b = 0; b < kBatch; ++b) {  // softmax of logits / T in double
    const auto z = [&](int k) { return double(c.logits[b * kClasses + k]) / temperature; };
    double top = z(0), sum = 0;
    for (int k = 0; k < kClasses; ++k) top = std::max(top, z(k));
    for (int k = 0; k < kClasses; ++k) sum += std::exp(z(k) - top);
    for (int k = 0; k < kClasses; ++k)
      c.probabilities.push_back(static_cast<float>(std::exp(z(k) - top) / sum));
  }

  const Checkpoint checkpoint = checkpoint_of(*model, config, mean, std_dev);
  std::filesystem::create_directories(folder);
  export_onnx(checkpoint, (folder / "model.onnx").string());
  write_json(folder / "input.json", input_json(kBatch, kFrames, x.data, kLengths));
  for (std::int64_t b : {1, 2}) {  // clips of 3 and 1 frames alone
    const auto clip = x.clip(b);
    write_json(folder / ("input_clip" + std::to_string(b) + ".json"),
               input_json(1, kLengths[b], {clip.begin(), clip.end()}, {kLengths[b]}));
  }
  return c;
}

// make_case into dir/NN_<name>, NN = index, so the runner's folder order is the cases' order.
Case numbered_case(const ScratchDir& dir, int index, CellKind cell, bool bidirectional, int layers,
                   PoolingKind pooling, std::uint64_t seed, double temperature, Stack stack = {}) {
  const auto folder = dir / "pending";
  Case c = make_case(folder, cell, bidirectional, layers, pooling, seed, temperature, stack);
  c.name = (index < 10 ? "0" : "") + std::to_string(index) + "_" + c.name;
  std::filesystem::rename(folder, dir / c.name);
  return c;
}

// max |got - want| over rows [row0, row0 + rows) of want (B, C); got (rows, C). Fails the test
// when the shape is wrong.
double max_diff(const nlohmann::json& got, const std::vector<float>& want, std::int64_t row0,
                std::int64_t rows, const std::string& what) {
  const auto dims = got.at("dims").get<std::vector<std::int64_t>>();
  const auto data = got.at("data").get<std::vector<double>>();
  EXPECT_EQ(dims, (std::vector<std::int64_t>{rows, kClasses})) << what;
  if (data.size() != static_cast<std::size_t>(rows * kClasses)) return INFINITY;
  double worst = 0;
  for (std::int64_t i = 0; i < rows * kClasses; ++i)
    worst = std::max(worst, std::abs(data[i] - double(want[row0 * kClasses + i])));
  return worst;
}

// Runs every case folder under `dir` through onnxruntime and compares with the CPU backend.
void run_and_compare(const ScratchDir& dir, const std::vector<Case>& cases) {
  std::string out;
  const int rc = testing::run_command("node " + kScript + " " + dir.path().string(), &out);
  ASSERT_EQ(rc, 0) << out;
  std::cout << out;

  std::map<std::string, double> worst_per_cell;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    float largest = 0;  // the 1e-5 comparison means something only for O(0.1) logits
    for (float v : c.logits) largest = std::max(largest, std::abs(v));
    EXPECT_GT(largest, 0.05f);

    const auto batch = read_json(dir / c.name / "output.json");
    ASSERT_FALSE(batch.is_null()) << "no output.json";
    double worst = std::max(max_diff(batch["logits"], c.logits, 0, kBatch, "logits"),
                            max_diff(batch["probabilities"], c.probabilities, 0, kBatch, "probs"));
    for (std::int64_t b : {1, 2}) {
      const auto single = read_json(dir / c.name / ("output_clip" + std::to_string(b) + ".json"));
      ASSERT_FALSE(single.is_null()) << "no output for clip " << b;
      worst = std::max({worst, max_diff(single["logits"], c.logits, b, 1, "clip logits"),
                        max_diff(single["probabilities"], c.probabilities, b, 1, "clip probs")});
    }
    EXPECT_LE(worst, kTolerance) << "max |onnxruntime - calmspace|";
    worst_per_cell[c.cell] = std::max(worst_per_cell[c.cell], worst);
  }
  for (const auto& [cell, worst] : worst_per_cell)
    std::cout << "max |onnxruntime - calmspace| " << cell << ": " << worst << " ("
              << cases.size() / worst_per_cell.size() << " cases)\n";
}

TEST(OnnxRuntime, ExportsMatchTheCpuBackendForEveryCellDirectionDepthAndPooling) {
  if (const auto why = onnxruntime_missing(); !why.empty()) GTEST_SKIP() << why;
  ScratchDir dir;
  std::vector<Case> cases;
  int index = 0;
  for (auto cell : {CellKind::RnnTanh, CellKind::RnnRelu, CellKind::Lstm, CellKind::Gru})
    for (bool bidirectional : {false, true})
      for (int layers : {1, 2})
        for (auto pooling :
             {PoolingKind::Mean, PoolingKind::Max, PoolingKind::Last, PoolingKind::Attention}) {
          const double temperature = index % 3 == 2 ? 2.5 : 1.0;
          cases.push_back(numbered_case(dir, index, cell, bidirectional, layers, pooling,
                                        500 + 10 * index, temperature));
          ++index;
        }
  ASSERT_EQ(cases.size(), 64u);

  run_and_compare(dir, cases);
}

TEST(OnnxRuntime, ResidualAndLayerNormStacksMatchTheCpuBackend) {
  if (const auto why = onnxruntime_missing(); !why.empty()) GTEST_SKIP() << why;
  ScratchDir dir;
  std::vector<Case> cases;
  int index = 0;
  for (auto cell : {CellKind::RnnTanh, CellKind::RnnRelu, CellKind::Lstm, CellKind::Gru})
    for (bool bidirectional : {false, true})
      for (auto pooling :
           {PoolingKind::Mean, PoolingKind::Max, PoolingKind::Last, PoolingKind::Attention}) {
        const Stack stack{index % 3 != 1, index % 3 != 0};  // residual, norm, both in turn
        cases.push_back(numbered_case(dir, index, cell, bidirectional,
                                      stack.residual && stack.layer_norm ? 3 : 2, pooling,
                                      900 + 10 * index, index % 4 == 3 ? 2.5 : 1.0, stack));
        ++index;
      }
  ASSERT_EQ(cases.size(), 32u);
  run_and_compare(dir, cases);
}

TEST(OnnxRuntime, ConvFrontendMatchesTheCpuBackend) {
  if (const auto why = onnxruntime_missing(); !why.empty()) GTEST_SKIP() << why;
  ScratchDir dir;
  std::vector<Case> cases;
  int index = 0;
  for (auto cell : {CellKind::RnnTanh, CellKind::RnnRelu, CellKind::Lstm, CellKind::Gru})
    for (bool bidirectional : {false, true})
      for (auto pooling :
           {PoolingKind::Mean, PoolingKind::Max, PoolingKind::Last, PoolingKind::Attention}) {
        Stack stack;
        stack.conv_stride_time = 1 + index % 2;
        stack.gelu = index % 4 >= 2;
        stack.conv_layer_norm = index % 5 != 4;
        stack.layer_norm = index % 3 == 0;
        stack.conv_bypass = index % 7 % 3;  // 0, 1 or 2 columns, over both time strides
        cases.push_back(numbered_case(dir, index, cell, bidirectional, 1 + index % 2, pooling,
                                      1300 + 10 * index, 1.0, stack));
        ++index;
      }
  ASSERT_EQ(cases.size(), 32u);
  run_and_compare(dir, cases);
}

// --onnx-input audio: the log-mel path inside the graph (Pad reflect, STFT, |X|^2, the mel
// matrix, log, per-utterance CMN) gives CalmSpace's CPU features to kFeatureTolerance and its
// probabilities to kTolerance, for two recordings in one batch; the shipped model's feature
// options (64 log-mels, 25 ms Hann windows every 20 ms, CMN) at 16 kHz.
TEST(OnnxRuntime, AnAudioExportComputesCalmSpacesFeaturesAndProbabilities) {
  if (const auto why = onnxruntime_missing(); !why.empty()) GTEST_SKIP() << why;
  constexpr double kFeatureTolerance = 1e-4;  // absolute, on CMN log-mel values of order 1-10
  Config config;
  config.features.n_mels = 64;
  config.features.hop_ms = 20;
  config.features.cmvn = Cmvn::Mean;
  config.model.cell = CellKind::Gru;
  config.model.hidden_size = 8;
  config.model.num_layers = 1;
  config.model.pooling = PoolingKind::Attention;
  config.model.attention_dim = 4;
  config.model.temperature = 1.7;
  const int F = 64;
  auto model = make_cpu_sequence_model(config.model, F, kClasses, 91);
  auto mean = testing::white_noise(F, 1.0, 92);
  auto std_dev = testing::white_noise(F, 0.5, 93);
  for (auto& v : std_dev) v = std::abs(v) + 0.5f;
  model->set_input_norm(mean, std_dev);
  Checkpoint checkpoint = checkpoint_of(*model, config, mean, std_dev);

  const int rate = 16000;
  const auto a = testing::voice_like(1.3, rate, 3), b = testing::voice_like(1.3, rate, 4);
  ASSERT_EQ(a.size(), b.size());
  ScratchDir dir;
  std::filesystem::create_directories(dir / "audio");
  export_onnx(checkpoint, (dir / "audio" / "model.onnx").string(), OnnxInput::Audio);
  std::vector<float> both(a);
  both.insert(both.end(), b.begin(), b.end());
  write_json(dir / "audio" / "input.json",
             {{"audio", {{"dims", {2, static_cast<std::int64_t>(a.size())}}, {"data", both}}}});
  std::string out;
  ASSERT_EQ(testing::run_command("node " + kScript + " " + dir.path().string(), &out), 0) << out;
  const auto got = read_json(dir / "audio" / "output.json");
  ASSERT_FALSE(got.is_null());

  Predictor predictor(checkpoint, 1);
  const std::span<const float> clips[] = {a, b};
  const std::vector<float> want = predictor.probabilities(clips);
  EXPECT_LE(max_diff(got["probabilities"], want, 0, 2, "probabilities"), kTolerance);

  CpuFeatureExtractor extractor(config.features, rate);
  const auto dims = got["features"]["dims"].get<std::vector<std::int64_t>>();
  const auto data = got["features"]["data"].get<std::vector<double>>();
  ASSERT_EQ(dims.size(), 3u);
  double worst = 0;
  for (int r = 0; r < 2; ++r) {
    const FeatureMatrix f = extractor.extract(r == 0 ? a : b);
    ASSERT_EQ(dims[1], f.frames);
    ASSERT_EQ(dims[2], F);
    for (std::int64_t i = 0; i < f.frames * F; ++i)
      worst = std::max(worst, std::abs(data[r * f.frames * F + i] - double(f.data[i])));
  }
  std::cout << "audio export: max |onnxruntime - calmspace| features " << worst << "\n";
  EXPECT_LE(worst, kFeatureTolerance);

  // Options the graph cannot compute are named.
  Config mfcc = config;
  mfcc.features.kind = FeatureKind::Mfcc;
  checkpoint.config_yaml = mfcc.to_yaml();
  EXPECT_THROW(onnx_model_bytes(checkpoint, OnnxInput::Audio), InputError);
  Config prosody = config;
  prosody.features.extra = {"pitch", "energy"};
  auto prosody_model = make_cpu_sequence_model(prosody.model, F + 3, kClasses, 94);
  const std::vector<float> mean3(F + 3, 0.0f), std3(F + 3, 1.0f);
  prosody_model->set_input_norm(mean3, std3);
  try {
    onnx_model_bytes(checkpoint_of(*prosody_model, prosody, mean3, std3), OnnxInput::Audio);
    ADD_FAILURE() << "an audio export with pitch columns was written";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "features.extra") << e.what();
  }
}

}  // namespace
}  // namespace calmspace
