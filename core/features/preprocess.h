// Sample-domain conditioning of a whole clip, applied before framing, in this order:
//   1. pre-emphasis  y[n] = x[n] - a x[n-1], y[0] = x[0]   (on the whole clip, not per frame)
//   2. dither        y[n] += dither * g(seed, n), g ~ N(0, 1)
// The dither noise g(seed, n) is a pure function of the seed and the sample index (a counter-based
// hash, Box-Muller), so a clip gets identical noise alone or at any position in any batch, on any
// thread, and a GPU kernel can reproduce it bit for bit.
#pragma once

#include <cstdint>
#include <span>

namespace calmspace {

// In place; a == 0 leaves the samples untouched. `previous`: the raw sample before samples[0]
// (0 at the start of a clip, where y[0] = x[0]), so a clip pre-emphasised piece by piece equals
// the whole clip pre-emphasised.
void preemphasize(std::span<float> samples, double a, float previous = 0.0f);

// Standard normal value for (seed, index), computed in double.
double dither_gaussian(std::uint64_t seed, std::uint64_t index);

// In place: samples[n] += stddev * dither_gaussian(seed, first_index + n). stddev == 0 leaves
// them untouched. `first_index`: the clip's index of samples[0] (a piece of a longer clip).
void add_dither(std::span<float> samples, double stddev, std::uint64_t seed,
                std::uint64_t first_index = 0);

}  // namespace calmspace
