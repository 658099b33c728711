// Adam and AdamW on the model's flat parameter / gradient spans, PyTorch torch.optim semantics:
//   Adam:  g <- g + wd * w (L2 added to the gradient)
//   AdamW: w <- w - lr * wd * w (decoupled decay, before the moment update)
//   m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;  step t = 1, 2, ...
//   w <- w - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// and global gradient-norm clipping as torch.nn.utils.clip_grad_norm_.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/config/train_options.h"

namespace calmspace {

// Everything a checkpoint must save to resume the optimizer exactly.
struct AdamState {
  std::vector<float> m;  // first moment, same layout as the parameters
  std::vector<float> v;  // second moment
  std::int64_t step = 0;
};

struct AdamConfig {
  OptimizerKind kind = OptimizerKind::AdamW;
  double lr = 1e-3;
  double weight_decay = 0;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  // Weights [0, frozen) of the flat buffer are left as they are (no decay, no moments): the
  // layers a fine-tuning run keeps (train.trainable; the layout puts the head last).
  std::size_t frozen = 0;
  static AdamConfig from(const TrainOptions& t) {
    return {t.optimizer, t.lr, t.weight_decay, t.beta1, t.beta2, t.eps};
  }
};

class AdamOptimizer {
 public:
  AdamOptimizer(const AdamConfig& config, std::size_t num_params);

  // One update of `weights` with `gradients` (same size as num_params), from index frozen on.
  void step(std::span<float> weights, std::span<const float> gradients);

  void set_lr(double lr) { config_.lr = lr; }
  double lr() const { return config_.lr; }
  const AdamConfig& config() const { return config_; }
  AdamState& state() { return state_; }  // checkpoint save / restore (sizes are checked on step)
  const AdamState& state() const { return state_; }

 private:
  AdamConfig config_;
  AdamState state_;
};

// Scales gradients so their global L2 norm is at most max_norm (PyTorch: coefficient
// max_norm / (norm + 1e-6), applied only when < 1). max_norm <= 0 disables clipping.
// Returns the norm before clipping.
double clip_gradient_norm(std::span<float> gradients, double max_norm);

}  // namespace calmspace
