// PyTorch parity: a model trained by CalmSpace loads, from its safetensors export alone, into
// nn.LSTM / nn.GRU / nn.RNN + nn.Linear (load_state_dict by name) and gives the same logits to
// 1e-5 (tests/export/torch_parity.py, float64 in PyTorch). Every cell, uni- and bidirectional,
// mean and last pooling, ragged lengths, input normalisation on; and each of those again as a
// three-layer stack with model.residual and model.layer_norm (random LayerNorm scales and shifts),
// and behind the convolutional front-end (torch_parity.py's ConvFrontend: nn.Conv2d after a causal
// pad, nn.LayerNorm per frame; time stride 1 or 2, ReLU or GELU).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>

#include "core/base/npy.h"
#include "core/export/export_safetensors.h"
#include "core/model/sequence_model.h"
#include "support/model_test_util.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
using testing::ScratchDir;

TEST(TorchParity, ExportedModelsGiveCalmSpaceLogitsInPyTorch) {
  std::string probe;
  if (testing::run_command("/usr/bin/python3 -c 'import torch, numpy'", &probe) != 0)
    GTEST_SKIP() << "torch/numpy not importable by /usr/bin/python3: " << probe;
  ScratchDir dir;
  constexpr int kFeatures = 6, kClasses = 4, kBatch = 3, kFrames = 9;
  const std::vector<std::int64_t> lengths = {9, 4, 1};
  int case_index = 0;
  for (int variant : {0, 1, 2})  // plain, residual + layer norm, conv front-end
    for (auto cell : {CellKind::Lstm, CellKind::Gru, CellKind::RnnTanh, CellKind::RnnRelu})
      for (bool bidirectional : {false, true})
        for (auto pooling : {PoolingKind::Mean, PoolingKind::Last}) {
          const bool stack = variant == 1, conv = variant == 2;
          Config config;
          config.features.n_mels = kFeatures;
          config.model.cell = cell;
          config.model.hidden_size = 5;
          config.model.num_layers = stack ? 3 : 2;
          config.model.bidirectional = bidirectional;
          config.model.pooling = pooling;
          config.model.input_norm = true;
          config.model.residual = stack;
          config.model.layer_norm = stack;
          if (conv) {
            config.model.frontend = FrontendKind::Conv;
            config.model.conv_channels = 3;
            config.model.conv_stride_time = bidirectional ? 2 : 1;
            config.model.conv_activation =
                pooling == PoolingKind::Last ? ActivationKind::Gelu : ActivationKind::Relu;
            // Two columns bypass the convolution for two cells of four (time strides 1 and 2).
            config.model.conv_bypass = (case_index / 4) % 2 == 0 ? 2 : 0;
          }
          const std::uint64_t seed = 100 + case_index;
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
          x.lengths = lengths;
          x.data.assign(kBatch * kFrames * kFeatures, 0.0f);
          const auto noise = testing::white_noise(kBatch * kFrames * kFeatures, 1.5, seed + 3);
          for (std::int64_t b = 0; b < kBatch; ++b)
            for (std::int64_t t = 0; t < lengths[b]; ++t)
              for (std::int64_t f = 0; f < kFeatures; ++f)
                x.at(b, t, f) = noise[(b * kFrames + t) * kFeatures + f] + mean[f];
          std::vector<float> logits;
          model->forward(x, logits, false, 0);
          ASSERT_EQ(logits.size(), static_cast<std::size_t>(kBatch * kClasses));
          float largest = 0;  // the 1e-5 comparison means something only for O(0.1) logits
          for (float v : logits) largest = std::max(largest, std::abs(v));
          EXPECT_GT(largest, 0.05f);

          Checkpoint c;
          c.config_yaml = config.to_yaml();
          for (int k = 0; k < kClasses; ++k) c.labels.push_back("c" + std::to_string(k));
          c.layout = model->layout();
          c.weights.assign(model->weights().begin(), model->weights().end());
          c.norm_mean = mean;
          c.norm_std = std_dev;
          const auto folder =
              dir / ("case" + std::to_string(case_index++) + "_" +
                     enum_name(cell_kind_table(), cell) + (bidirectional ? "_bi_" : "_uni_") +
                     enum_name(pooling_kind_table(), pooling) + (stack ? "_residual_norm" : "") +
                     (conv ? "_conv" : "") + (config.model.conv_bypass > 0 ? "_bypass" : ""));
          std::filesystem::create_directories(folder);
          export_safetensors(c, (folder / "model.safetensors").string());
          write_npy((folder / "x.npy").string(), {kBatch, kFrames, kFeatures}, x.data);
          write_npy((folder / "lengths.npy").string(), {kBatch},
                    std::vector<float>(lengths.begin(), lengths.end()));
          write_npy((folder / "logits.npy").string(), {kBatch, kClasses}, logits);
        }
  std::string out;
  const int rc = testing::run_command("/usr/bin/python3 " CALMSPACE_SOURCE_DIR
                                      "/tests/export/torch_parity.py " +
                                          dir.path().string(),
                                      &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("ok: worst"));
  std::cout << out;
}

}  // namespace
}  // namespace calmspace
