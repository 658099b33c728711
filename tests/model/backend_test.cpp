// The model factory and train.device / train.precision (core/model/backend.h): parsing, the
// auto decision, and the error a GPU request gives where none is usable. Runs everywhere; on a
// machine with a GPU the expectations follow what the runtime reports.
#include "core/model/backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/base/error.h"
#include "core/base/gpu_runtime.h"
#include "core/config/config.h"
#include "core/train/trainer.h"
#include "cuda/common/runtime.h"
#include "cuda/register.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;

TEST(Device, ParsesTheFourForms) {
  EXPECT_EQ(parse_device("auto").kind, DeviceSpec::Kind::Auto);
  EXPECT_EQ(parse_device("cpu").kind, DeviceSpec::Kind::Cpu);
  EXPECT_EQ(parse_device("cuda").kind, DeviceSpec::Kind::Cuda);
  EXPECT_EQ(parse_device("cuda").index, DeviceSpec::kProcessGpu);
  const DeviceSpec two = parse_device("cuda:2");
  EXPECT_EQ(two.kind, DeviceSpec::Kind::Cuda);
  EXPECT_EQ(two.index, 2);
}

TEST(Device, BadTextNamesTheKey) {
  for (const char* bad : {"gpu", "cuda:", "cuda:x", "cuda:-1", "CPU", ""}) {
    try {
      parse_device(bad);
      FAIL() << "accepted '" << bad << "'";
    } catch (const InputError& e) {
      EXPECT_EQ(e.subject(), "train.device") << bad;
    }
  }
}

TEST(Device, ConfigValidatesDeviceAndPrecision) {
  Config c;
  EXPECT_EQ(c.train.device, "auto");
  EXPECT_EQ(c.train.precision, Precision::Fp32);
  c.apply_override("train.device=cuda:1");
  c.apply_override("train.precision=tf32");
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.train.precision, Precision::Tf32);
  c.apply_override("train.device=tpu");
  EXPECT_THROW(c.validate(), InputError);
  EXPECT_THROW(c.apply_override("train.precision=fp64"), InputError);
  EXPECT_THAT(c.to_yaml(), HasSubstr("device:"));
}

TEST(Device, CpuIsAlwaysTheCpu) {
  cuda::register_backends();
  const ResolvedDevice d = resolve_device("cpu");
  EXPECT_FALSE(d.cuda);
  auto m = make_sequence_model(ModelOptions{}, 8, 3, 1, {"cpu", Precision::Fp32});
  EXPECT_EQ(m->backend_name(), "cpu");
}

TEST(Device, AutoFollowsTheRuntime) {
  cuda::register_backends();
  const auto report = cuda::query_runtime();
  const ResolvedDevice d = resolve_device("auto");
  EXPECT_EQ(d.cuda, report.has_gpu());
  if (!report.has_gpu()) {
    EXPECT_THAT(d.description, HasSubstr("cpu (auto: "));
    EXPECT_THAT(d.description, HasSubstr(gpu_unavailable_reason()));
    auto m = make_sequence_model(ModelOptions{}, 8, 3, 1, {"auto", Precision::Fp32});
    EXPECT_EQ(m->backend_name(), "cpu");
  }
}

TEST(Device, CudaWithoutAGpuIsAnInputErrorWithTheReason) {
  cuda::register_backends();
  const auto report = cuda::query_runtime();
  if (report.has_gpu()) GTEST_SKIP() << "a GPU is present: nothing to refuse";
  try {
    make_sequence_model(ModelOptions{}, 8, 3, 1, {"cuda", Precision::Fp32});
    FAIL() << "cuda accepted without a GPU";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "train.device");
    EXPECT_THAT(e.reason(), HasSubstr(gpu_unavailable_reason()));
  }
}

// An MPI rank's GPU slot (tools/job.cpp: its position on its machine) picks what auto and a bare
// cuda mean, modulo the GPUs visible; cuda:N and cpu are unmoved; without a GPU auto stays cpu.
TEST(Device, TheProcessGpuSlotPicksTheGpuOfAutoAndBareCuda) {
  cuda::register_backends();
  const auto report = cuda::query_runtime();
  struct SlotBack {  // the process's slot back to 0 however the test ends
    ~SlotBack() { set_gpu_slot(0); }
  } slot_back;
  set_gpu_slot(3);
  const ResolvedDevice a = resolve_device("auto"), c = resolve_device("cpu");
  EXPECT_FALSE(c.cuda);
  if (report.has_gpu()) {
    const int n = static_cast<int>(report.gpus.size());
    EXPECT_EQ(a.index, 3 % n);
    EXPECT_EQ(resolve_device("cuda").index, 3 % n);
    EXPECT_EQ(resolve_device("cuda:0").index, 0);
    EXPECT_THAT(a.description, HasSubstr(cat("cuda:", 3 % n, " (auto: ")));
  } else {
    EXPECT_FALSE(a.cuda);
    EXPECT_EQ(a.index, 0);
  }
  EXPECT_THROW(set_gpu_slot(-1), Error);
}

TEST(Device, AnIndexBeyondTheGpusIsRefused) {
  cuda::register_backends();
  EXPECT_THROW(resolve_device("cuda:9999"), InputError);
}

TEST(Device, TrainerRefusesCudaWithoutAGpuBeforeWritingAnything) {
  cuda::register_backends();
  if (cuda::query_runtime().has_gpu()) GTEST_SKIP() << "a GPU is present";
  testing::ScratchDir dir;
  const auto data_path = (dir / "tones.h5").string();
  testing::write_tone_dataset(data_path);
  const DatasetFile data(data_path);
  Config c;
  c.features.n_mels = 16;
  c.train.epochs = 1;
  c.train.device = "cuda";
  try {
    train_model(data, c, (dir / "run").string(), false);
    FAIL() << "trained on cuda without a GPU";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "train.device");
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "run"));
}

}  // namespace
}  // namespace calmspace
