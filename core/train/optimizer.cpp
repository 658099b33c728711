#include "core/train/optimizer.h"

#include <algorithm>
#include <cmath>

#include "core/base/error.h"

namespace calmspace {

AdamOptimizer::AdamOptimizer(const AdamConfig& config, std::size_t num_params) : config_(config) {
  state_.m.assign(num_params, 0.0f);
  state_.v.assign(num_params, 0.0f);
}

void AdamOptimizer::step(std::span<float> weights, std::span<const float> gradients) {
  const std::size_t n = weights.size();
  CALMSPACE_CHECK(gradients.size() == n && state_.m.size() == n && state_.v.size() == n,
                  "optimizer sizes: weights ", n, " gradients ", gradients.size(), " m ",
                  state_.m.size(), " v ", state_.v.size());
  const auto& c = config_;
  state_.step += 1;
  const double t = static_cast<double>(state_.step);
  const float b1 = static_cast<float>(c.beta1), b2 = static_cast<float>(c.beta2);
  const float step_size = static_cast<float>(c.lr / (1.0 - std::pow(c.beta1, t)));
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(c.beta2, t)));
  const float eps = static_cast<float>(c.eps);
  const bool decoupled = c.kind == OptimizerKind::AdamW;
  const float l2 = decoupled ? 0.0f : static_cast<float>(c.weight_decay);
  const float decay = decoupled ? static_cast<float>(1.0 - c.lr * c.weight_decay) : 1.0f;
  float* w = weights.data();
  const float* gr = gradients.data();
  float* m = state_.m.data();
  float* v = state_.v.data();
  for (std::size_t i = std::min(c.frozen, n); i < n; ++i) {
    const float g = gr[i] + l2 * w[i];
    w[i] *= decay;
    m[i] = b1 * m[i] + (1.0f - b1) * g;
    v[i] = b2 * v[i] + (1.0f - b2) * g * g;
    w[i] -= step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + eps);
  }
}

double clip_gradient_norm(std::span<float> gradients, double max_norm) {
  double sum = 0;
  for (float g : gradients) sum += static_cast<double>(g) * g;
  const double norm = std::sqrt(sum);
  if (max_norm > 0) {
    const double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0)
      for (float& g : gradients) g = static_cast<float>(g * coef);
  }
  return norm;
}

}  // namespace calmspace
