// A small, fully populated Checkpoint for the checkpoint and export tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/run/checkpoint.h"
#include "support/test_support.h"

namespace calmspace::testing {

inline Config small_model_config(CellKind cell = CellKind::Gru, bool bidirectional = true,
                                 PoolingKind pooling = PoolingKind::Attention) {
  Config c;
  c.features.n_mels = 5;
  c.model.cell = cell;
  c.model.hidden_size = 3;
  c.model.num_layers = 2;
  c.model.bidirectional = bidirectional;
  c.model.pooling = pooling;
  c.model.attention_dim = 4;
  return c;
}

// The small config of the export tests, varied by `index` as the every-shape tests walk cells and
// poolings: bidirectional on even indices, input norm off on every third, a conv front-end on
// indices 1, 5, 9, ...
inline Config varied_model_config(int index, CellKind cell, PoolingKind pooling) {
  auto config = small_model_config(cell, index % 2 == 0, pooling);
  config.model.input_norm = index % 3 != 0;
  if (index % 4 == 1) config.model.frontend = FrontendKind::Conv;  // 2 blocks, defaults
  return config;
}

// Config, labels and parameter layout equal (the parts of a model that are not numbers).
inline void expect_same_model_options(const Checkpoint& a, const Checkpoint& b) {
  EXPECT_EQ(a.config_yaml, b.config_yaml);
  EXPECT_EQ(a.labels, b.labels);
  ASSERT_EQ(a.layout.size(), b.layout.size());
  for (std::size_t i = 0; i < a.layout.size(); ++i) {
    EXPECT_EQ(a.layout[i].name, b.layout[i].name);
    EXPECT_EQ(a.layout[i].shape, b.layout[i].shape);
    EXPECT_EQ(a.layout[i].offset, b.layout[i].offset);
    EXPECT_EQ(a.layout[i].size, b.layout[i].size);
  }
}

// Every field set to a distinct, non-zero value.
inline Checkpoint small_checkpoint(Config config = small_model_config(), int num_labels = 4,
                                   std::uint64_t seed = 1) {
  Checkpoint c;
  c.config_yaml = config.to_yaml();
  for (int i = 0; i < num_labels; ++i) c.labels.push_back("label " + std::to_string(i));
  const int f = config.features.feature_dim(config.audio.sample_rate);
  c.layout = parameter_layout(config.model, f, num_labels);
  const auto total = c.layout.back().offset + c.layout.back().size;
  c.weights = white_noise(total, 0.3, seed);
  c.norm_mean = white_noise(f, 5.0, seed + 1);
  c.norm_std = white_noise(f, 1.0, seed + 2);
  for (auto& v : c.norm_std) v = std::abs(v) + 0.5f;
  auto& s = c.state;
  s.epoch = 7;
  s.global_step = 1234;
  s.best_valid_ua = 0.4375;
  s.best_epoch = 5;
  s.epochs_without_improvement = 2;
  s.optimizer_step = 1234;
  s.optimizer_m = white_noise(total, 0.01, seed + 3);
  s.optimizer_v = white_noise(total, 0.001, seed + 4);
  for (auto& v : s.optimizer_v) v = v * v;
  s.lr = 3.5e-4;
  s.plateau_lr = 5e-4;
  s.metrics_history = R"([{"epoch": 0, "valid_ua": 0.25}, {"epoch": 1, "valid_ua": 0.4375}])";
  return c;
}

}  // namespace calmspace::testing
