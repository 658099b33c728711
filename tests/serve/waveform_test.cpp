// waveform_json(): each point is the exact min and max of its stretch of samples (rounded to 1e-4).
#include "serve/waveform.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "support/test_support.h"

namespace calmspace {
namespace {

TEST(WaveformJson, EveryPointIsItsStretchsMinAndMax) {
  for (std::int64_t n : {1, 7, 599, 600, 601, 12345, 64000}) {
    const auto x = testing::white_noise(n, 0.3, static_cast<std::uint64_t>(n));
    const auto j = serve::waveform_json(x, 16000, 600);
    const std::size_t count = std::min<std::size_t>(600, x.size());
    ASSERT_EQ(j["points"], count) << n;
    ASSERT_EQ(j["min"].size(), count);
    ASSERT_EQ(j["max"].size(), count);
    EXPECT_DOUBLE_EQ(j["seconds_per_point"].get<double>(), double(n) / 16000 / count);
    for (std::size_t i = 0; i < count; ++i) {
      const auto begin = x.begin() + static_cast<std::ptrdiff_t>(i * x.size() / count);
      const auto end = x.begin() + static_cast<std::ptrdiff_t>((i + 1) * x.size() / count);
      const auto [mn, mx] = std::minmax_element(begin, end);
      ASSERT_NEAR(j["min"][i].get<double>(), *mn, 0.5e-4 + 1e-9) << n << " point " << i;
      ASSERT_NEAR(j["max"][i].get<double>(), *mx, 0.5e-4 + 1e-9) << n << " point " << i;
    }
  }
}

}  // namespace
}  // namespace calmspace
