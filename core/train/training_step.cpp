#include "core/train/training_step.h"

#include <algorithm>
#include <cmath>

#include "core/base/error.h"
#include "core/model/backend_registry.h"
#include "core/model/loss.h"
#include "core/model/softmax.h"

namespace calmspace {

std::unique_ptr<TrainingStep> make_training_step(SequenceModel& model,
                                                 const TrainStepConfig& config) {
  if (const GpuBackendHooks* gpu = registered_gpu_backend(); gpu && gpu->make_training_step)
    if (auto step = gpu->make_training_step(model, config)) return step;
  return std::make_unique<CpuTrainingStep>(model, config);
}

MixedTargets mixed_targets(const Batch& batch) {
  if (batch.partner_labels.empty()) return {};
  CALMSPACE_CHECK(batch.partner_labels.size() == batch.labels.size() &&
                      batch.mix_lambda.size() == batch.labels.size(),
                  "mixup targets of ", batch.partner_labels.size(), " and ",
                  batch.mix_lambda.size(), " rows for a batch of ", batch.labels.size());
  return {batch.partner_labels.data(), batch.mix_lambda.data()};
}

double forward_backward(SequenceModel& model, const Batch& batch,
                        std::span<const float> class_weights, std::uint64_t dropout_seed, int epoch,
                        std::size_t index, std::vector<float>& logits,
                        std::vector<float>& dlogits) {
  const auto B = static_cast<std::int64_t>(batch.labels.size());
  model.zero_gradients();
  model.forward(batch.x, logits, /*training=*/true, dropout_seed);
  dlogits.resize(logits.size());
  const double loss = softmax_cross_entropy(logits, B, model.num_classes(), batch.labels,
                                            class_weights, dlogits, mixed_targets(batch));
  if (!std::isfinite(loss))
    throw InputError(
        "train.lr", cat("training diverged: the loss is ", loss, " at epoch ", epoch + 1, " batch ",
                        index + 1, "; lower train.lr or set train.grad_clip"));
  model.backward(dlogits);
  return loss;
}

CpuTrainingStep::CpuTrainingStep(SequenceModel& model, const TrainStepConfig& config)
    : model_(model), config_(config), optimizer_(config.adam, model.weights().size()) {}

void CpuTrainingStep::run(const Batch& batch, std::uint64_t dropout_seed, int epoch,
                          std::size_t index) {
  const int C = model_.num_classes();
  const auto B = static_cast<std::int64_t>(batch.labels.size());
  const double loss = forward_backward(model_, batch, config_.class_weights, dropout_seed, epoch,
                                       index, logits_, dlogits_);
  const std::span<float> g = model_.gradients();
  std::fill_n(g.begin(), std::min(config_.adam.frozen, g.size()), 0.0f);  // frozen: not clipped
  totals_.grad_norm_sum += clip_gradient_norm(g, config_.grad_clip);
  optimizer_.step(model_.weights(), g);
  const auto predicted = argmax_rows(logits_, C);
  for (std::int64_t b = 0; b < B; ++b) totals_.correct += predicted[b] == batch.labels[b];
  totals_.loss_sum += loss * B;
  totals_.seen += B;
  totals_.steps += 1;
}

}  // namespace calmspace
