// The classifier's outputs: class probabilities from logits and the most likely class, shared by
// training (the loss), evaluation and prediction.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace calmspace {

// probs (B, C) = softmax of each row of logits (B, C), max-subtracted. Templated on the scalar
// so finite-difference checks run in double.
template <class S>
void softmax_rows(const S* logits, std::int64_t B, std::int64_t C, S* probs) {
  for (std::int64_t b = 0; b < B; ++b) {
    const S* z = logits + b * C;
    S* p = probs + b * C;
    const S zmax = *std::max_element(z, z + C);
    S sum = S(0);
    for (std::int64_t c = 0; c < C; ++c) sum += (p[c] = std::exp(z[c] - zmax));
    for (std::int64_t c = 0; c < C; ++c) p[c] /= sum;
  }
}

// What the summed logits of `members` models are multiplied by before the softmax: their mean,
// divided by the calibrated temperature T (model.temperature; core/eval/calibration.h), as
// prediction and evaluation report probabilities = softmax(mean logits / T).
inline float mean_logit_scale(std::size_t members, double temperature) {
  return static_cast<float>(1.0 / (static_cast<double>(members) * temperature));
}

// Float wrapper: logits and probs (B, C) row-major.
void softmax(std::span<const float> logits, std::int64_t B, std::int64_t C, std::span<float> probs);

// argmax of each row of (N, C) logits or probabilities (first maximum wins).
std::vector<int> argmax_rows(std::span<const float> scores, int num_classes);

}  // namespace calmspace
