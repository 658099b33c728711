// Unit tests of the building blocks: windows, framing/reflection, FFT, mel filterbank, DCT, deltas,
// CMVN, pre-emphasis, dither.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "core/features/cmvn.h"
#include "core/features/dct.h"
#include "core/features/deltas.h"
#include "core/features/fft.h"
#include "core/features/framing.h"
#include "core/features/mel_filterbank.h"
#include "core/features/preprocess.h"
#include "core/features/window.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

TEST(Window, PeriodicHannAndHammingMatchTorchDefinitions) {
  const auto hann = make_window(WindowKind::Hann, 4);  // torch.hann_window(4) = [0, .5, 1, .5]
  EXPECT_FLOAT_EQ(hann[0], 0.0f);
  EXPECT_FLOAT_EQ(hann[1], 0.5f);
  EXPECT_FLOAT_EQ(hann[2], 1.0f);
  EXPECT_FLOAT_EQ(hann[3], 0.5f);
  const auto ham = make_window(WindowKind::Hamming, 4);  // [0.08, 0.54, 1, 0.54]
  EXPECT_FLOAT_EQ(ham[0], 0.08f);
  EXPECT_FLOAT_EQ(ham[1], 0.54f);
  EXPECT_FLOAT_EQ(ham[2], 1.0f);
}

TEST(Window, PoveyIsSymmetricHannToThe085) {
  const auto w = make_window(WindowKind::Povey, 5);  // symmetric hann(5) = [0, .5, 1, .5, 0]
  EXPECT_FLOAT_EQ(w[0], 0.0f);
  EXPECT_FLOAT_EQ(w[1], static_cast<float>(std::pow(0.5, 0.85)));
  EXPECT_FLOAT_EQ(w[2], 1.0f);
  EXPECT_FLOAT_EQ(w[4], 0.0f);
  for (float v : make_window(WindowKind::Rectangular, 7)) EXPECT_EQ(v, 1.0f);
}

TEST(Framing, ReflectIndexMatchesTorchReflectAndRepeats) {
  // torch reflect pad of [a b c d e]: ... c b | a b c d e | d c ...
  EXPECT_EQ(reflect_index(-1, 5), 1);
  EXPECT_EQ(reflect_index(-4, 5), 4);
  EXPECT_EQ(reflect_index(5, 5), 3);
  EXPECT_EQ(reflect_index(8, 5), 0);
  // Repeated beyond one reflection (period 2(n-1) = 8).
  EXPECT_EQ(reflect_index(-5, 5), 3);
  EXPECT_EQ(reflect_index(-8, 5), 0);
  EXPECT_EQ(reflect_index(9, 5), 1);
  EXPECT_EQ(reflect_index(100, 2), 0);
  EXPECT_EQ(reflect_index(101, 2), 1);
  for (std::int64_t i = -50; i < 50; ++i) EXPECT_EQ(reflect_index(i, 1), 0);
}

TEST(Framing, CentredFrameIsTheReflectPaddedSignalTimesTheCentredWindow) {
  FeatureOptions o;  // n_fft 512, win 400, hop 160: window at offset 56
  const FrameLayout l = FrameLayout::from(o, 16000);
  EXPECT_EQ(l.window_offset, 56);
  const std::vector<float> x = testing::white_noise(1000, 1.0, 3);
  const std::vector<float> w = make_window(WindowKind::Hann, 400);
  std::vector<float> frames(2 * 512, -1.0f);
  fill_frames(x, l, w.data(), 0, 2, frames.data(), 512);
  for (int t = 0; t < 2; ++t)
    for (int j = 0; j < 512; ++j) {
      // Padded index t*hop + j = original index t*hop + j - 256.
      const bool in_window = j >= 56 && j < 456;
      const float expected =
          in_window ? x[reflect_index(t * 160 + j - 256, 1000)] * w[j - 56] : 0.0f;
      ASSERT_EQ(frames[t * 512 + j], expected) << t << " " << j;
    }
}

TEST(Framing, SnipEdgesFrameIsTheWindowedSliceZeroPadded) {
  FeatureOptions o;
  o.center = false;
  const FrameLayout l = FrameLayout::from(o, 16000);
  EXPECT_EQ(l.window_offset, 0);
  const std::vector<float> x = testing::white_noise(1000, 1.0, 4);
  const std::vector<float> w = make_window(WindowKind::Hann, 400);
  std::vector<float> frames(512, -1.0f);
  fill_frames(x, l, w.data(), 3, 1, frames.data(), 512);  // frames: 1 + (1000-400)/160 = 4
  for (int j = 0; j < 512; ++j) ASSERT_EQ(frames[j], j < 400 ? x[480 + j] * w[j] : 0.0f) << j;
}

TEST(Fft, MatchesADirectDftInDouble) {
  for (int n : {400, 512, 15}) {
    RealFft fft(n);
    ASSERT_EQ(fft.num_bins(), n / 2 + 1);
    AlignedFloats in(aligned_stride(n)), out(aligned_stride(2 * fft.num_bins()));
    const auto x = testing::white_noise(n, 1.0, 9);
    std::copy(x.begin(), x.end(), in.data());
    fft.forward(in.data(), out.data());
    for (int k = 0; k < fft.num_bins(); ++k) {
      std::complex<double> acc = 0;
      for (int j = 0; j < n; ++j)
        acc += double(x[j]) * std::polar(1.0, -2 * std::numbers::pi * j * k / n);
      EXPECT_NEAR(out.data()[2 * k], acc.real(), 1e-4 * std::sqrt(n)) << n << " " << k;
      EXPECT_NEAR(out.data()[2 * k + 1], acc.imag(), 1e-4 * std::sqrt(n)) << n << " " << k;
    }
    for (int j = 0; j < n; ++j) ASSERT_EQ(in.data()[j], x[j]);  // input preserved
  }
}

TEST(MelFilterbank, SparseWeightsEqualTheDenseMatrix) {
  for (auto scale : {MelScale::Htk, MelScale::Slaney})
    for (auto norm : {MelNorm::None, MelNorm::Slaney}) {
      const auto dense = melscale_fbanks(257, 30.0, 7000.0, 40, 16000, norm, scale);
      const MelFilterbank fb(257, 40, dense);
      std::vector<float> power(257), mel(40);
      for (int k = 0; k < 257; ++k) power[k] = 1.0f + 0.01f * k;
      fb.apply(power.data(), mel.data());
      for (int m = 0; m < 40; ++m) {
        double expected = 0;
        for (int k = 0; k < 257; ++k) {
          const double w = dense[k * 40 + m];
          EXPECT_FLOAT_EQ(fb.weight(m, k), static_cast<float>(w));
          expected += w * power[k];
        }
        EXPECT_NEAR(mel[m], expected, 1e-5 * expected);
        EXPECT_LT(fb.begin(m), fb.end(m));
      }
    }
}

TEST(MelFilterbank, MelScalesRoundTripAndMatchKnownPoints) {
  EXPECT_NEAR(hz_to_mel(1000.0, MelScale::Htk), 999.9855, 1e-3);
  EXPECT_NEAR(hz_to_mel(1000.0, MelScale::Slaney), 15.0, 1e-12);
  EXPECT_NEAR(hz_to_mel(500.0, MelScale::Slaney), 7.5, 1e-12);
  for (auto s : {MelScale::Htk, MelScale::Slaney})
    for (double hz : {0.0, 100.0, 999.0, 1000.0, 4321.0, 8000.0})
      EXPECT_NEAR(mel_to_hz(hz_to_mel(hz, s), s), hz, 1e-9 * (1 + hz));
}

TEST(MelFilterbank, HtkTrianglesPeakAtOneOnTheirCentres) {
  // With n_fft large, some bin lands near each centre: peaks approach 1, and triangles overlap so
  // that adjacent filters sum to 1 between centres (norm none).
  const auto dense = melscale_fbanks(4097, 0.0, 8000.0, 20, 16000, MelNorm::None, MelScale::Htk);
  for (int m = 0; m < 20; ++m) {
    double peak = 0;
    for (int k = 0; k < 4097; ++k) peak = std::max(peak, dense[k * 20 + m]);
    EXPECT_NEAR(peak, 1.0, 0.05) << m;
  }
}

TEST(Dct, OrthonormalRowsAndTorchScaling) {
  const auto d = dct_matrix(8, 8);
  for (int a = 0; a < 8; ++a)
    for (int b = 0; b < 8; ++b) {
      double dot = 0;
      for (int m = 0; m < 8; ++m) dot += d[a * 8 + m] * d[b * 8 + m];
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-12);
    }
  EXPECT_NEAR(d[0], 1.0 / std::sqrt(8.0), 1e-15);
}

TEST(Dct, KaldiLifter) {
  const auto c = lifter_coefficients(13, 22.0);
  EXPECT_DOUBLE_EQ(c[0], 1.0);
  EXPECT_NEAR(c[11], 1.0 + 11.0 * std::sin(std::numbers::pi / 2), 1e-12);
  for (double v : lifter_coefficients(5, 0.0)) EXPECT_EQ(v, 1.0);
}

TEST(Deltas, RampHasConstantSlopeInsideAndReplicatedEdges) {
  // x_t = 3t. N = 2, denom = 10. Inside: (1*6 + 2*12)/10 = 3. At t=0 (replicate: x_-1 = x_-2 = 0):
  // (1*(3-0) + 2*(6-0))/10 = 1.5.
  const int T = 10;
  std::vector<float> x(T), d(T);
  for (int t = 0; t < T; ++t) x[t] = 3.0f * t;
  compute_deltas(x.data(), 1, d.data(), 1, T, 1, 2);
  EXPECT_FLOAT_EQ(d[0], 1.5f);
  EXPECT_FLOAT_EQ(d[1], (1 * (6 - 0) + 2 * (9 - 0)) / 10.0f);
  for (int t = 2; t < T - 2; ++t) EXPECT_FLOAT_EQ(d[t], 3.0f);
  EXPECT_FLOAT_EQ(d[T - 1], 1.5f);
  // A single frame: all neighbours replicate it, delta 0.
  float one = 5.0f, out = -1.0f;
  compute_deltas(&one, 1, &out, 1, 1, 1, 3);
  EXPECT_EQ(out, 0.0f);
}

TEST(Cmvn, MeanAndVariance) {
  std::vector<float> x = {1, 10, 3, 20, 5, 30};  // (3, 2)
  apply_cmvn(x.data(), 3, 2, Cmvn::Mean);
  EXPECT_FLOAT_EQ(x[0], -2.0f);
  EXPECT_FLOAT_EQ(x[5], 10.0f);
  std::vector<float> y = {1, 10, 3, 20, 5, 30};
  apply_cmvn(y.data(), 3, 2, Cmvn::MeanVar);  // population std: sqrt(8/3), sqrt(200/3)
  EXPECT_NEAR(y[0], -2.0 / std::sqrt(8.0 / 3.0), 1e-6);
  EXPECT_NEAR(y[5], 10.0 / std::sqrt(200.0 / 3.0), 1e-6);
  std::vector<float> z = {4, 4};  // one frame: (x - mean) / sqrt(0 + 1e-10) = 0
  apply_cmvn(z.data(), 1, 2, Cmvn::MeanVar);
  EXPECT_EQ(z[0], 0.0f);
}

TEST(Preprocess, PreemphasisOnTheWholeClip) {
  std::vector<float> x = {1, 2, 4, 8};
  preemphasize(x, 0.5);
  EXPECT_EQ(x, (std::vector<float>{1, 1.5, 3, 6}));
}

TEST(Preprocess, DitherIsStandardNormalAndAPureFunctionOfSeedAndIndex) {
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double g = dither_gaussian(99, i);
    s += g;
    s2 += g * g;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.01);
  EXPECT_EQ(dither_gaussian(1, 5), dither_gaussian(1, 5));
  EXPECT_NE(dither_gaussian(1, 5), dither_gaussian(2, 5));
  EXPECT_NE(dither_gaussian(1, 5), dither_gaussian(1, 6));
}

}  // namespace
}  // namespace calmspace
