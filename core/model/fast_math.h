// Branch-free float exp / sigmoid / tanh that compilers vectorise (libm's expf/tanhf do not).
// exp: Cephes expf range reduction x = n ln2 + r (ln2 split in two), degree-6 polynomial,
// 2^n through the exponent bits; relative error ~2 ulp on [-87, 88] (inputs are clamped there).
// Loops using these vectorise only without -ftrapping-math (cell_kernels.cpp sets that).
// tanh(x) = 2 sigmoid(2x) - 1: absolute error ~1e-7 near 0 (the model tolerances are 2e-5).
#pragma once

#include <bit>
#include <cstdint>

namespace calmspace {

inline float fast_exp(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  // n = floor(x log2(e) + 1/2): the argument is > 0 after the shift by 128, so truncation floors.
  // A NaN x takes n from 0 (converting NaN to an integer is undefined); r keeps the NaN, so the
  // result is NaN and the callers' finiteness checks report it.
  const float xn = x == x ? x : 0.0f;
  const std::int32_t n = static_cast<std::int32_t>(xn * 1.44269504088896341f + 128.5f) - 128;
  const float fn = static_cast<float>(n);
  const float r = x - fn * 0.693359375f + fn * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return p * std::bit_cast<float>(static_cast<std::int32_t>((n + 127) << 23));
}

inline float fast_sigmoid(float x) {
  return 1.0f / (1.0f + fast_exp(-x));
}
inline float fast_tanh(float x) {
  return 2.0f / (1.0f + fast_exp(-2.0f * x)) - 1.0f;
}

}  // namespace calmspace
