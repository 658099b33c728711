// Small models for the tests of tests/predict: each variant of the recurrent model and features
// the prediction paths treat differently (unidirectional or not, CMVN, pooling, prosody), with
// random weights of a fixed seed.
#pragma once

#include <gmock/gmock.h>

#include <ostream>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/model/sequence_model.h"
#include "core/run/checkpoint.h"
#include "support/model_fixtures.h"
#include "support/test_support.h"

namespace calmspace::testing {

struct ModelVariant {
  const char* name;
  bool bidirectional;
  Cmvn cmvn;
  PoolingKind pooling;
  bool prosody = false;  // features.extra: [pitch, energy]
};
// GoogleTest prints a variant by its name.
inline void PrintTo(const ModelVariant& v, std::ostream* os) {
  *os << v.name;
}

inline Checkpoint checkpoint_for(const ModelVariant& v, std::uint64_t seed = 7) {
  Checkpoint c = fixture_checkpoint(seed);
  Config config = c.config();
  config.features.center = true;
  config.features.hop_ms = 20;
  config.features.cmvn = v.cmvn;
  if (v.prosody) config.features.extra = {"pitch", "energy"};
  config.model.bidirectional = v.bidirectional;
  config.model.num_layers = 2;
  config.model.pooling = v.pooling;
  c.config_yaml = config.to_yaml();
  const int f = config.features.feature_dim(config.audio.sample_rate);
  c.layout = parameter_layout(config.model, f, static_cast<int>(c.labels.size()));
  c.weights = white_noise(c.layout.back().offset + c.layout.back().size, 0.4, seed);
  if (v.cmvn == Cmvn::MeanVar || v.prosody) {  // normalised features are near 0 +- 1
    c.norm_mean.assign(static_cast<std::size_t>(f), 0.0f);
    c.norm_std.assign(static_cast<std::size_t>(f), 1.0f);
  }
  return c;
}

inline const ModelVariant kVariants[] = {
    {"gru_uni_attention", false, Cmvn::None, PoolingKind::Attention},
    {"gru_bi_mean", true, Cmvn::None, PoolingKind::Mean},
    {"gru_uni_cmvn_max", false, Cmvn::MeanVar, PoolingKind::Max},
    {"gru_uni_prosody_mean", false, Cmvn::MeanVar, PoolingKind::Mean, true},
};

// Probabilities from two prediction paths: 1e-5 absolute (GEMMs over different row counts and the
// online softmax of attention pooling round differently).
inline constexpr float kPredictTolerance = 1e-5f;
inline void expect_near(const std::vector<float>& got, const std::vector<float>& want,
                        const std::string& what) {
  EXPECT_THAT(got, ::testing::Pointwise(::testing::FloatNear(kPredictTolerance), want)) << what;
}

}  // namespace calmspace::testing
