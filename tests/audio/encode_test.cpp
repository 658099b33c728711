#include "core/audio/encode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "core/audio/decode.h"
#include "core/base/error.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

TEST(WriteWav16, RoundTripsWithin16BitQuantisation) {
  testing::ScratchDir dir;
  const auto x = testing::white_noise(12345, 0.2, 3);
  const auto path = (dir / "x.wav").string();
  write_wav16(path, x, 16000);
  const Audio back = load_audio(path, AudioOptions{});
  EXPECT_EQ(back.source_format, "WAV PCM_16");
  ASSERT_EQ(back.samples.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    ASSERT_NEAR(back.samples[i], std::clamp(x[i], -1.0f, 1.0f), 1.0 / 32768) << i;
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp-" + std::to_string(::getpid())));
}

TEST(WriteWav16, UnwritablePlaceIsAnInputErrorAndLeavesNothing) {
  testing::ScratchDir dir;
  const auto path = (dir / "missing_folder" / "x.wav").string();
  EXPECT_THROW(write_wav16(path, std::vector<float>(100, 0.1f), 16000), InputError);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace calmspace
