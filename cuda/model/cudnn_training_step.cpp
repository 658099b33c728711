// CudnnTrainingStep (see cudnn_training_step.h).
#include "cuda/model/cudnn_training_step.h"

#include <cmath>

#include "core/base/error.h"

namespace calmspace::cuda {

CudnnTrainingStep::CudnnTrainingStep(CudnnSequenceModel& model, const TrainStepConfig& config)
    : model_(model),
      config_(config),
      n_(model.weights().size()),
      m_(n_),
      v_(n_),
      partials_(kernels::kNormBlocks),
      coef_(1),
      totals_(1),
      totals_host_(1) {
  const cudaStream_t s = model_.stream();
  CALMSPACE_CUDA_CHECK(cudaMemsetAsync(m_.data(), 0, m_.bytes(), s));
  CALMSPACE_CUDA_CHECK(cudaMemsetAsync(v_.data(), 0, v_.bytes(), s));
  if (!config_.class_weights.empty()) {
    CALMSPACE_CHECK(static_cast<int>(config_.class_weights.size()) == model_.num_classes(),
                    "class_weights size ", config_.class_weights.size(),
                    " != ", model_.num_classes());
    class_weights_ = DeviceBuffer<float>(config_.class_weights.size());
    CALMSPACE_CUDA_CHECK(cudaMemcpyAsync(class_weights_.data(), config_.class_weights.data(),
                                         class_weights_.bytes(), cudaMemcpyHostToDevice, s));
    CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(s));
  }
  reset_totals();
}

void CudnnTrainingStep::run(const Batch& batch, std::uint64_t /*dropout_seed*/, int /*epoch*/,
                            std::size_t /*index*/) {
  const cudaStream_t s = model_.stream();
  const int C = model_.num_classes();
  CALMSPACE_CHECK(batch.partner_labels.empty(),
                  "mixup targets reached the CUDA step, whose loss takes one label per clip");
  for (int y : batch.labels)  // the loss kernel indexes class weights by label
    CALMSPACE_CHECK(y >= 0 && y < C, "label ", y, " outside [0, ", C, ")");
  model_.upload_batch(batch.x, &batch.labels);
  const int B = static_cast<int>(model_.batch_size());
  if (dlogits_.size() < static_cast<std::size_t>(B) * C) {
    CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(s));
    dlogits_ = DeviceBuffer<float>(static_cast<std::size_t>(B) * C);
  }
  model_.zero_device_gradients();
  model_.forward_device(/*training=*/true);
  kernels::softmax_cross_entropy(model_.device_logits(), model_.device_labels(),
                                 class_weights_.size() ? class_weights_.data() : nullptr, B, C,
                                 dlogits_.data(), totals_.data(), s);
  model_.backward_device(dlogits_.data());
  float* w = model_.device_weights();
  float* g = model_.device_gradients();
  kernels::gradient_norm(g, static_cast<std::int64_t>(n_), config_.grad_clip, partials_.data(),
                         coef_.data(), totals_.data(), s);

  // Scalars of optimizer.cpp, computed identically on the host.
  const AdamConfig& c = config_.adam;
  step_ += 1;
  const double t = static_cast<double>(step_);
  const bool decoupled = c.kind == OptimizerKind::AdamW;
  kernels::AdamScalars k{};
  k.b1 = static_cast<float>(c.beta1);
  k.b2 = static_cast<float>(c.beta2);
  k.step_size = static_cast<float>(c.lr / (1.0 - std::pow(c.beta1, t)));
  k.inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(c.beta2, t)));
  k.eps = static_cast<float>(c.eps);
  k.l2 = decoupled ? 0.0f : static_cast<float>(c.weight_decay);
  k.decay = decoupled ? static_cast<float>(1.0 - c.lr * c.weight_decay) : 1.0f;
  kernels::adam_update(w, g, m_.data(), v_.data(), static_cast<std::int64_t>(n_), coef_.data(), k,
                       s);
  model_.device_weights_changed();
  model_.device_gradients_changed();
  seen_ += B;
  steps_ += 1;
}

StepTotals CudnnTrainingStep::totals() {
  const cudaStream_t s = model_.stream();
  CALMSPACE_CUDA_CHECK(cudaMemcpyAsync(totals_host_.data(), totals_.data(),
                                       sizeof(kernels::StepTotalsDevice), cudaMemcpyDeviceToHost,
                                       s));
  CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(s));
  StepTotals out;
  out.loss_sum = totals_host_.data()->loss_sum;
  out.grad_norm_sum = totals_host_.data()->grad_norm_sum;
  out.correct = totals_host_.data()->correct;
  out.seen = seen_;
  out.steps = steps_;
  return out;
}

void CudnnTrainingStep::reset_totals() {
  CALMSPACE_CUDA_CHECK(
      cudaMemsetAsync(totals_.data(), 0, sizeof(kernels::StepTotalsDevice), model_.stream()));
  seen_ = 0;
  steps_ = 0;
}

AdamState CudnnTrainingStep::optimizer_state() {
  AdamState out;
  out.m.resize(n_);
  out.v.resize(n_);
  const cudaStream_t s = model_.stream();
  CALMSPACE_CUDA_CHECK(
      cudaMemcpyAsync(out.m.data(), m_.data(), m_.bytes(), cudaMemcpyDeviceToHost, s));
  CALMSPACE_CUDA_CHECK(
      cudaMemcpyAsync(out.v.data(), v_.data(), v_.bytes(), cudaMemcpyDeviceToHost, s));
  CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(s));
  out.step = step_;
  return out;
}

void CudnnTrainingStep::set_optimizer_state(const AdamState& state) {
  CALMSPACE_CHECK(state.m.size() == n_ && state.v.size() == n_, "optimizer state sizes ",
                  state.m.size(), ", ", state.v.size(), " != ", n_);
  const cudaStream_t s = model_.stream();
  CALMSPACE_CUDA_CHECK(
      cudaMemcpyAsync(m_.data(), state.m.data(), m_.bytes(), cudaMemcpyHostToDevice, s));
  CALMSPACE_CUDA_CHECK(
      cudaMemcpyAsync(v_.data(), state.v.data(), v_.bytes(), cudaMemcpyHostToDevice, s));
  CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(s));
  step_ = state.step;
}

}  // namespace calmspace::cuda
