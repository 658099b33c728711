// Softmax cross-entropy over logits (B, C) with integer labels and optional per-class weights,
// PyTorch nn.CrossEntropyLoss(weight=w, reduction="mean") semantics:
//   loss = sum_b w_{y_b} * (-log softmax(z_b)_{y_b}) / sum_b w_{y_b}   (w = 1 when unweighted)
// Templated on the scalar so finite-difference checks run in double; float wrappers below.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>

#include "core/base/error.h"
#include "core/model/softmax.h"

namespace calmspace {

// Returns the loss and WRITES dlogits (B, C) = d loss / d logits. class_weights: empty or (C).
template <class S>
double softmax_cross_entropy(const S* logits, std::int64_t B, std::int64_t C, const int* labels,
                             std::span<const S> class_weights, S* dlogits) {
  CALMSPACE_CHECK(B >= 1 && C >= 1, "B=", B, " C=", C);
  CALMSPACE_CHECK(class_weights.empty() || static_cast<std::int64_t>(class_weights.size()) == C,
                  "class_weights size ", class_weights.size(), " != ", C);
  softmax_rows(logits, B, C, dlogits);  // dlogits holds probabilities until scaled below
  double total_w = 0, loss = 0;
  for (std::int64_t b = 0; b < B; ++b) {
    const int y = labels[b];
    CALMSPACE_CHECK(y >= 0 && y < C, "label ", y, " outside [0, ", C, ")");
    const double w = class_weights.empty() ? 1.0 : static_cast<double>(class_weights[y]);
    total_w += w;
    // -log p_y computed from the logits (log-sum-exp) to stay accurate for tiny p_y.
    const S* z = logits + b * C;
    const S zmax = *std::max_element(z, z + C);
    double sum = 0;
    for (std::int64_t c = 0; c < C; ++c) sum += std::exp(static_cast<double>(z[c] - zmax));
    loss += w * (std::log(sum) - static_cast<double>(z[y] - zmax));
  }
  CALMSPACE_CHECK(total_w > 0, "class weights of the batch sum to ", total_w);
  for (std::int64_t b = 0; b < B; ++b) {
    const int y = labels[b];
    const double w = class_weights.empty() ? 1.0 : static_cast<double>(class_weights[y]);
    const S scale = static_cast<S>(w / total_w);
    S* d = dlogits + b * C;
    d[y] -= S(1);
    for (std::int64_t c = 0; c < C; ++c) d[c] *= scale;
  }
  return loss / total_w;
}

// Float wrapper: logits (B, C) row-major.
double softmax_cross_entropy(std::span<const float> logits, std::int64_t B, std::int64_t C,
                             std::span<const int> labels, std::span<const float> class_weights,
                             std::span<float> dlogits);

}  // namespace calmspace
