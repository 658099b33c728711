// The feature stage's one factory (make_feature_extractor): which backend each device string
// picks and why, features.device following train.device when it is auto, and the refusals.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/base/device.h"
#include "core/base/error.h"
#include "core/base/gpu_runtime.h"
#include "core/config/config.h"
#include "core/features/feature_extractor.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;

TEST(FeatureFactory, CpuIsTheCpu) {
  EXPECT_EQ(make_feature_extractor(FeatureOptions{}, 16000, "cpu")->backend_name(), "cpu");
}

// auto is the GPU when one can be used, else the CPU with the reason; cuda without a GPU is an
// error naming the setting and the reason.
TEST(FeatureFactory, AutoAndCudaFollowWhatTheMachineHas) {
  const std::string& why = gpu_unavailable_reason();
  const auto chosen = make_feature_extractor(FeatureOptions{}, 16000, "auto");
  if (!why.empty()) {
    EXPECT_EQ(chosen->backend_name(), "cpu");
    EXPECT_THAT(resolve_device("auto", "features.device").description,
                HasSubstr("cpu (auto: " + why));
    try {
      make_feature_extractor(FeatureOptions{}, 16000, "cuda", "features.device");
      FAIL() << "cuda accepted without a GPU";
    } catch (const InputError& e) {
      EXPECT_EQ(e.subject(), "features.device");
      EXPECT_THAT(e.reason(), HasSubstr(why));
    }
  } else {
    EXPECT_EQ(chosen->backend_name(), "cuda");
    EXPECT_EQ(make_feature_extractor(FeatureOptions{}, 16000, "cuda")->backend_name(), "cuda");
  }
}

TEST(FeatureFactory, FeaturesFollowTrainDeviceWhenAuto) {
  Config c;
  EXPECT_EQ(c.feature_device(), "auto");
  c.train.device = "cpu";
  EXPECT_EQ(c.feature_device(), "cpu");
  c.train.device = "cuda:1";
  EXPECT_EQ(c.feature_device(), "cuda:1");
  c.features.device = "cpu";  // an explicit choice wins
  EXPECT_EQ(c.feature_device(), "cpu");
}

TEST(FeatureFactory, ABadDeviceIsRefusedByName) {
  FeatureOptions o;
  o.device = "gpu";
  try {
    o.validate(16000);
    FAIL() << "features.device=gpu accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "features.device");
  }
  // The device never changes what is computed: the stored feature set's key ignores it.
  FeatureOptions a, b;
  b.device = "cuda";
  EXPECT_EQ(feature_set_key(a), feature_set_key(b));
}

}  // namespace
}  // namespace calmspace
