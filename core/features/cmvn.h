// Per-utterance cepstral mean (and variance) normalisation over one clip's true frames:
//   mean:     x - mean_t(x)
//   mean_var: (x - mean_t(x)) / sqrt(var_t(x) + 1e-10), population variance,
// per feature dimension, statistics in double.
#pragma once

#include <cstdint>

#include "core/config/feature_options.h"

namespace calmspace {

// data: (frames, dim) row-major, in place. Cmvn::None does nothing.
void apply_cmvn(float* data, std::int64_t frames, int dim, Cmvn mode);

}  // namespace calmspace
