// Counter-based random numbers for training: a generator is keyed by (seed, stream, epoch, clip),
// so a draw depends only on those keys, never on threads, batch order or what was drawn before
// for other clips. splitmix64 (Steele, Lea, Flood 2014) for both key mixing and the sequence;
// uniform / normal variates are computed here (not with <random> distributions, whose output
// differs between standard libraries), so the same seed gives the same run everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <numbers>
#include <utility>
#include <vector>

namespace calmspace {

// Independent streams of one training seed.
enum class RngStream : std::uint64_t {
  Waveform = 1,  // gain, noise, speed per (epoch, clip)
  SpecAugment,   // time / frequency masks per (epoch, clip)
  Batching,      // batch order per epoch
  Mixup,         // mixup partners and weights per (epoch, batch)
};

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class Rng {
 public:
  // Keys are hashed in order: Rng({seed, stream, epoch, clip}).
  explicit Rng(std::initializer_list<std::uint64_t> keys) {
    for (std::uint64_t k : keys) state_ = splitmix64(state_ ^ k);
  }
  Rng(std::uint64_t seed, RngStream stream, std::int64_t epoch, std::int64_t clip = 0)
      : Rng({seed, static_cast<std::uint64_t>(stream), static_cast<std::uint64_t>(epoch),
             static_cast<std::uint64_t>(clip)}) {}

  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), n > 0, unbiased (rejects the top partial range of 2^64).
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    std::uint64_t r = next();
    while (r < threshold) r = next();
    return r % n;
  }
  // Standard normal (Box-Muller; one value per call, the second is discarded for simplicity).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  // Gamma(shape, 1), shape > 0: Marsaglia and Tsang (2000), "A simple method for generating
  // gamma variables", ACM TOMS 26(3); shape < 1 through Gamma(shape + 1) * U^(1 / shape).
  double gamma(double shape) {
    if (shape < 1) {  // two statements: the order of the draws is fixed, not the compiler's
      const double g = gamma(shape + 1);
      const double u = 1.0 - uniform();
      return g * std::pow(u, 1.0 / shape);
    }
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x = 0, v = 0;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = 1.0 - uniform();  // (0, 1]
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
    }
  }
  // Beta(a, b), a, b > 0, as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
  double beta(double a, double b) {
    const double x = gamma(a), y = gamma(b);
    return x + y > 0 ? x / (x + y) : 0.5;  // both underflow only for tiny shapes
  }
  // Fisher-Yates.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  std::uint64_t state_ = 0;
};

}  // namespace calmspace
