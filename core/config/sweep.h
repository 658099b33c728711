// A sweep over config values (`calmspace sweep`, tools/cmd_sweep.cpp): among the command line's
// `section.key=value` overrides, one whose value holds a comma outside brackets, braces and quotes
// lists that key's values (`model.cell=gru,lstm`); `augment.speed_factors=[0.9,1.1]` stays one
// value. The points are every combination of the listed values, the first key varying slowest.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace calmspace {

struct SweepAxis {
  std::string key;                  // section.key
  std::vector<std::string> values;  // as written, each parsed later as that key's YAML value
};

struct SweepSpec {
  std::vector<std::string> fixed;  // overrides every point shares, in command-line order
  std::vector<SweepAxis> axes;
};

// At most this many points: a sweep multiplies runs, so a typo (a key listed twice over) must not
// start thousands.
inline constexpr std::size_t kMaxSweepPoints = 256;

// Splits `overrides` (section.key=value tokens) into fixed ones and axes. A quote opens a quoted
// value only at the start of an item ('a,b' is one value, bob's.h5,x.h5 two). InputError naming
// the token for an empty value in a list (`a=1,,2`, `a=1,`), a key swept twice or also given
// one fixed value, or no list at all.
SweepSpec parse_sweep(std::span<const std::string> overrides);

// Every point as the overrides that make it (section.key=value, one per axis, in axis order),
// the first axis varying slowest. InputError past kMaxSweepPoints.
std::vector<std::vector<std::string>> sweep_points(std::span<const SweepAxis> axes);

}  // namespace calmspace
