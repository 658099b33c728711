// Index arithmetic and the dither generator of the CUDA feature kernels, as host+device functions
// with no dependencies, so the CPU test suite checks them against core/features in every build
// (tests/cuda_host/feature_batch_plan_test.cpp) and the kernels use the very same code.
#pragma once

#include <math.h>

#include <cstdint>

#if defined(__CUDACC__)
#define CALMSPACE_HOST_DEVICE __host__ __device__
#else
#define CALMSPACE_HOST_DEVICE
#endif

namespace calmspace::cuda {

// The clip b holding packed frame g: frame_offsets[b] <= g < frame_offsets[b + 1] (clips without
// frames have equal offsets and are never returned). Requires 0 <= g < frame_offsets[batch].
CALMSPACE_HOST_DEVICE inline int clip_of_packed_frame(const std::int64_t* frame_offsets, int batch,
                                                      std::int64_t g) {
  int lo = 0, hi = batch;  // invariant: frame_offsets[lo] <= g < frame_offsets[hi]
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    if (frame_offsets[mid] <= g)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

// reflect_index() of core/features/framing.cpp: torch "reflect" padding index into n >= 1
// samples, repeated for far-out indices; a one-sample clip is constant.
CALMSPACE_HOST_DEVICE inline std::int64_t reflect_sample(std::int64_t i, std::int64_t n) {
  if (n == 1) return 0;
  const std::int64_t period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

CALMSPACE_HOST_DEVICE inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// dither_gaussian(seed, index) of core/features/preprocess.cpp: the same bits (uniform in (0, 1]
// from 53 bits) through Box-Muller in double. No sum follows a product, so no FMA can form; device
// log/sqrt/cos are within 2 ulp of glibc's in double, invisible after rounding the dithered sample
// to float in all but rare ties.
CALMSPACE_HOST_DEVICE inline double dither_normal(std::uint64_t seed, std::uint64_t index) {
  constexpr double kTwoPi = 2.0 * 3.141592653589793;  // 2 * std::numbers::pi, exact doubling
  const std::uint64_t key = splitmix64(seed ^ 0x6A09E667F3BCC909ull);
  const std::uint64_t bits1 = splitmix64(key ^ splitmix64(2 * index));
  const std::uint64_t bits2 = splitmix64(key ^ splitmix64(2 * index + 1));
  const double u1 = (static_cast<double>(bits1 >> 11) + 1.0) * 0x1.0p-53;
  const double u2 = (static_cast<double>(bits2 >> 11) + 1.0) * 0x1.0p-53;
  return sqrt(-2.0 * log(u1)) * cos(kTwoPi * u2);
}

}  // namespace calmspace::cuda
