// Every feature option value is validated: a bad value is an InputError naming "features.<key>",
// raised when the extractor is made (or, for enums and types, when the config is parsed).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "core/config/config.h"
#include "core/features/feature_extractor.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;

struct BadValue {
  std::string key;
  std::function<void(FeatureOptions&)> set;
};

TEST(FeatureOptionsValidation, BadValuesNameTheirKey) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<BadValue> cases = {
      {"win_ms", [](auto& o) { o.win_ms = 0; }},
      {"win_ms", [](auto& o) { o.win_ms = -25; }},
      {"win_ms", [](auto& o) { o.win_ms = 0.01; }},  // < 2 samples
      {"win_ms", [=](auto& o) { o.win_ms = nan; }},
      {"hop_ms", [](auto& o) { o.hop_ms = 0; }},
      {"hop_ms", [](auto& o) { o.hop_ms = 0.01; }},  // < 1 sample
      {"hop_ms", [=](auto& o) { o.hop_ms = nan; }},
      {"n_fft", [](auto& o) { o.n_fft = -1; }},
      {"n_fft", [](auto& o) { o.n_fft = 256; }},  // shorter than the 400-sample window
      {"preemphasis", [](auto& o) { o.preemphasis = -0.1; }},
      {"preemphasis", [](auto& o) { o.preemphasis = 1.0; }},
      {"preemphasis", [=](auto& o) { o.preemphasis = nan; }},
      {"dither", [](auto& o) { o.dither = -1e-3; }},
      {"dither", [=](auto& o) { o.dither = nan; }},
      {"n_mels", [](auto& o) { o.n_mels = 0; }},
      {"f_min", [](auto& o) { o.f_min = -1; }},
      {"f_min", [](auto& o) { o.f_min = 8000; }},
      {"f_min", [=](auto& o) { o.f_min = nan; }},
      {"f_max", [](auto& o) { o.f_max = -1; }},
      {"f_max", [](auto& o) { o.f_max = 9000; }},
      {"f_max", [](auto& o) { o.f_min = 500, o.f_max = 400; }},
      {"f_max", [=](auto& o) { o.f_max = nan; }},
      {"log_floor", [](auto& o) { o.log_floor = 0; }},
      {"log_floor", [](auto& o) { o.log_floor = -1e-10; }},
      {"log_floor", [=](auto& o) { o.log_floor = nan; }},
      {"n_mfcc", [](auto& o) { o.kind = FeatureKind::Mfcc, o.n_mfcc = 0; }},
      {"n_mfcc", [](auto& o) { o.kind = FeatureKind::Mfcc, o.n_mels = 20, o.n_mfcc = 21; }},
      {"lifter", [](auto& o) { o.lifter = -1; }},
      {"lifter", [=](auto& o) { o.lifter = nan; }},
      {"deltas", [](auto& o) { o.deltas = -1; }},
      {"deltas", [](auto& o) { o.deltas = 3; }},
      {"delta_window", [](auto& o) { o.delta_window = 0; }},
      {"num_threads", [](auto& o) { o.num_threads = -1; }},
  };
  for (const auto& c : cases) {
    FeatureOptions o;
    c.set(o);
    try {
      make_cpu_feature_extractor(o, 16000);
      ADD_FAILURE() << "no error for a bad features." << c.key;
    } catch (const InputError& e) {
      EXPECT_EQ(e.subject(), "features." + c.key) << e.what();
    }
  }
}

TEST(FeatureOptionsValidation, DefaultsAndEdgeValuesAreAccepted) {
  FeatureOptions o;
  EXPECT_NO_THROW(make_cpu_feature_extractor(o, 16000));
  o.f_max = 8000;  // == Nyquist
  o.n_fft = 400;   // == window
  o.preemphasis = 0.99;
  o.kind = FeatureKind::Mfcc;
  o.n_mfcc = o.n_mels;
  o.deltas = 2;
  EXPECT_NO_THROW(make_cpu_feature_extractor(o, 16000));
}

TEST(FeatureOptionsValidation, EnumAndTypedKeysAreCheckedWhenParsed) {
  for (const std::string key : {"kind", "window", "spectrum", "mel_scale", "mel_norm", "cmvn",
                                "center", "n_mels", "dither_seed"}) {
    Config c;
    try {
      c.apply_override("features." + key + "=not_a_value");
      ADD_FAILURE() << "no error for features." << key;
    } catch (const InputError& e) {
      EXPECT_THAT(std::string(e.what()), HasSubstr("features." + key));
    }
  }
}

}  // namespace
}  // namespace calmspace
