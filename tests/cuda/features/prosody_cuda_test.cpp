// CUDA prosody columns (cuda/features/feature_prosody_kernel.cu) against the CPU reference
// (core/features/prosody.h), label gpu: every test skips with the runtime's reason when no device
// is present.
//
// Tolerance, on the prosody columns and their deltas only (the spectral columns have their own
// parity test with its FFT allowance): |gpu - cpu| <= 1e-4 |cpu| + 1e-4. The kernels repeat the
// CPU's float and double operations in its order with _rn intrinsics (no FMA), so YIN's
// difference function, its normalisation and every voicing decision are the same bits; what may
// differ is logf/log (1 ulp on the device) and CMVN's summation order.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/features/feature_extractor.h"
#include "core/features/prosody.h"
#include "cuda/common/runtime.h"
#include "cuda/features/feature_extractor_cuda.h"
#include "support/model_fixtures.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

constexpr int kRate = 16000;

// Voices, tones, noise, silence, and lengths around a frame and the reflect padding.
std::vector<std::vector<float>> clips() {
  std::vector<std::vector<float>> out;
  out.push_back(testing::voice_like(2.0, kRate, 11));
  out.push_back(testing::voice_like(0.7, kRate, 12));
  for (const std::int64_t n : {1, 7, 161, 399, 400, 401, 4095}) {
    std::vector<float> x = testing::white_noise(n, 0.05, 200 + static_cast<std::uint64_t>(n));
    for (std::int64_t j = 0; j < n; ++j)
      x[j] += static_cast<float>(0.3 * std::sin(2 * M_PI * 180.0 * double(j) / kRate));
    out.push_back(std::move(x));
  }
  out.push_back(testing::white_noise(kRate, 0.1, 300));
  out.emplace_back(kRate / 2, 0.0f);  // digital silence
  return out;
}

void expect_prosody_parity(const FeatureOptions& o, const std::string& name) {
  const auto host = clips();
  const std::vector<std::span<const float>> spans(host.begin(), host.end());
  const PaddedBatch cpu = make_cpu_feature_extractor(o, kRate)->extract_batch(spans);
  const PaddedBatch gpu = make_cuda_feature_extractor(o, kRate, 0)->extract_batch(spans);
  ASSERT_EQ(gpu.lengths, cpu.lengths) << name;
  ASSERT_EQ(gpu.dim, cpu.dim) << name;
  const int spectral = o.spectral_dim(kRate), base = o.base_dim(kRate);
  int checked = 0, failed = 0;
  double worst = 0;
  for (std::int64_t b = 0; b < cpu.batch; ++b)
    for (std::int64_t t = 0; t < cpu.lengths[b]; ++t)
      for (int order = 0; order <= o.deltas; ++order)
        for (int c = order * base + spectral; c < (order + 1) * base; ++c) {
          const std::size_t i = static_cast<std::size_t>((b * cpu.max_frames + t) * cpu.dim + c);
          const double want = cpu.data[i], got = gpu.data[i];
          const double err = std::abs(got - want);
          worst = std::max(worst, err);
          ++checked;
          if (!(err <= 1e-4 * std::abs(want) + 1e-4)) {
            if (++failed <= 5)
              ADD_FAILURE() << name << ": clip " << b << " frame " << t << " column " << c
                            << ": gpu " << got << ", cpu " << want;
          }
        }
  EXPECT_EQ(failed, 0) << name << ": " << failed << " of " << checked << " values";
  EXPECT_GT(checked, 1000) << name;
  std::cout << name << ": max |gpu - cpu| on prosody columns " << worst << "\n";
}

TEST(CudaProsody, ColumnsMatchTheCpu) {
  const auto report = cuda::query_runtime();
  if (!report.has_gpu()) GTEST_SKIP() << report.no_gpu_reason;
  FeatureOptions plain;
  plain.extra = {"pitch", "energy"};
  plain.deltas = 2;
  expect_prosody_parity(plain, "logmel_pitch_energy_deltas");
  FeatureOptions conditioned = plain;
  conditioned.kind = FeatureKind::Mfcc;
  conditioned.center = false;
  conditioned.n_fft = 400;
  conditioned.preemphasis = 0.97;
  conditioned.dither = 1e-3;
  conditioned.dither_seed = 5;
  conditioned.deltas = 1;
  conditioned.cmvn = Cmvn::Mean;
  expect_prosody_parity(conditioned, "mfcc_snip_preemphasis_dither_pitch_energy_cmn");
  FeatureOptions energy_only;
  energy_only.extra = {"energy"};
  energy_only.hop_ms = 20;
  expect_prosody_parity(energy_only, "logmel_energy");
}

}  // namespace
}  // namespace calmspace
