#include "core/features/preprocess.h"

#include <cmath>
#include <numbers>

namespace calmspace {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Uniform in (0, 1]: 53 random bits.
double unit_open(std::uint64_t bits) {
  return (static_cast<double>(bits >> 11) + 1.0) * 0x1.0p-53;
}

}  // namespace

void preemphasize(std::span<float> samples, double a, float previous) {
  if (a == 0.0 || samples.empty()) return;
  const float coef = static_cast<float>(a);
  for (std::size_t n = samples.size() - 1; n > 0; --n) samples[n] -= coef * samples[n - 1];
  samples[0] -= coef * previous;  // exact for previous == 0: x - a * 0 == x
}

double dither_gaussian(std::uint64_t seed, std::uint64_t index) {
  const std::uint64_t key = splitmix64(seed ^ 0x6A09E667F3BCC909ull);
  const double u1 = unit_open(splitmix64(key ^ splitmix64(2 * index)));
  const double u2 = unit_open(splitmix64(key ^ splitmix64(2 * index + 1)));
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

void add_dither(std::span<float> samples, double stddev, std::uint64_t seed,
                std::uint64_t first_index) {
  if (stddev == 0.0) return;
  for (std::size_t n = 0; n < samples.size(); ++n)
    samples[n] = static_cast<float>(samples[n] + stddev * dither_gaussian(seed, first_index + n));
}

}  // namespace calmspace
