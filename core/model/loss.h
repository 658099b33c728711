// Softmax cross-entropy over logits (B, C) with integer labels and optional per-class weights,
// PyTorch nn.CrossEntropyLoss(weight=w, reduction="mean") semantics:
//   loss = sum_b w_{y_b} * (-log softmax(z_b)_{y_b}) / sum_b w_{y_b}   (w = 1 when unweighted)
// With mixup's targets (MixedTargets: a partner label y'_b and a weight lambda_b per row), row b
// aims at lambda_b e_{y_b} + (1 - lambda_b) e_{y'_b}; each of its two terms keeps its class weight:
//   loss = sum_b [l_b w_{y_b} nll_b(y_b) + (1 - l_b) w_{y'_b} nll_b(y'_b)] / sum_b omega_b,
//   omega_b = l_b w_{y_b} + (1 - l_b) w_{y'_b}   (target_weight; l_b = 1 is the plain loss).
// Unweighted, that is the mean over rows of l_b nll(y_b) + (1 - l_b) nll(y'_b), the loss of the
// mixup paper (Zhang et al. 2018).
// Templated on the scalar so finite-difference checks run in double; float wrappers below.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>

#include "core/base/error.h"
#include "core/model/softmax.h"

namespace calmspace {

// Mixup's second target of every row; both null: none (the plain loss).
struct MixedTargets {
  const int* partner_labels = nullptr;  // (B,) y'_b
  const float* lambda = nullptr;        // (B,) l_b in [0, 1], the weight of the row's own label
  bool empty() const { return partner_labels == nullptr; }
};

// w_y: class y's weight, 1 when unweighted.
template <class S>
double class_weight(int y, std::span<const S> class_weights) {
  return class_weights.empty() ? 1.0 : static_cast<double>(class_weights[y]);
}

// omega_b above: row b's share of the batch's weight (1 when unweighted).
template <class S>
double target_weight(std::int64_t b, const int* labels, std::span<const S> class_weights,
                     const MixedTargets& mix) {
  if (mix.empty()) return class_weight(labels[b], class_weights);
  const double l = mix.lambda[b];
  return l * class_weight(labels[b], class_weights) +
         (1 - l) * class_weight(mix.partner_labels[b], class_weights);
}

// Returns the loss and WRITES dlogits (B, C) = d loss / d logits. class_weights: empty or (C).
template <class S>
double softmax_cross_entropy(const S* logits, std::int64_t B, std::int64_t C, const int* labels,
                             std::span<const S> class_weights, S* dlogits,
                             const MixedTargets& mix = {}) {
  CALMSPACE_CHECK(B >= 1 && C >= 1, "B=", B, " C=", C);
  CALMSPACE_CHECK(class_weights.empty() || static_cast<std::int64_t>(class_weights.size()) == C,
                  "class_weights size ", class_weights.size(), " != ", C);
  CALMSPACE_CHECK(mix.empty() || mix.lambda != nullptr, "mixed targets without their weights");
  const auto weight = [&](int y) { return class_weight(y, class_weights); };
  softmax_rows(logits, B, C, dlogits);  // dlogits holds probabilities until scaled below
  double total_w = 0, loss = 0;
  for (std::int64_t b = 0; b < B; ++b) {
    const int y = labels[b];
    CALMSPACE_CHECK(y >= 0 && y < C, "label ", y, " outside [0, ", C, ")");
    // -log p_c computed from the logits (log-sum-exp) to stay accurate for tiny p_c.
    const S* z = logits + b * C;
    const S zmax = *std::max_element(z, z + C);
    double sum = 0;
    for (std::int64_t c = 0; c < C; ++c) sum += std::exp(static_cast<double>(z[c] - zmax));
    const auto nll = [&](int c) { return std::log(sum) - static_cast<double>(z[c] - zmax); };
    if (mix.empty()) {
      loss += weight(y) * nll(y);
    } else {
      const int y2 = mix.partner_labels[b];
      const double l = mix.lambda[b];
      CALMSPACE_CHECK(y2 >= 0 && y2 < C, "partner label ", y2, " outside [0, ", C, ")");
      CALMSPACE_CHECK(l >= 0 && l <= 1, "mixup weight ", l, " outside [0, 1]");
      loss += l * weight(y) * nll(y) + (1 - l) * weight(y2) * nll(y2);
    }
    total_w += target_weight(b, labels, class_weights, mix);
  }
  CALMSPACE_CHECK(total_w > 0, "class weights of the batch sum to ", total_w);
  // d loss / d z_b = (omega_b p_b - l_b w_{y_b} e_{y_b} - (1 - l_b) w_{y'_b} e_{y'_b}) / total_w
  for (std::int64_t b = 0; b < B; ++b) {
    S* d = dlogits + b * C;
    const int y = labels[b];
    if (mix.empty()) {  // (p_b - e_{y_b}) w_{y_b} / total_w
      const auto scale = static_cast<S>(weight(y) / total_w);
      d[y] -= S(1);
      for (std::int64_t c = 0; c < C; ++c) d[c] *= scale;
      continue;
    }
    const double omega = target_weight(b, labels, class_weights, mix);
    for (std::int64_t c = 0; c < C; ++c) d[c] = static_cast<S>(omega * d[c] / total_w);
    const int y2 = mix.partner_labels[b];
    const double l = mix.lambda[b];
    d[y] -= static_cast<S>(l * weight(y) / total_w);
    d[y2] -= static_cast<S>((1 - l) * weight(y2) / total_w);
  }
  return loss / total_w;
}

// Float wrapper: logits (B, C) row-major; mix.partner_labels and mix.lambda (B) when given.
double softmax_cross_entropy(std::span<const float> logits, std::int64_t B, std::int64_t C,
                             std::span<const int> labels, std::span<const float> class_weights,
                             std::span<float> dlogits, const MixedTargets& mix = {});

}  // namespace calmspace
