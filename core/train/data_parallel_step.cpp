#include "core/train/data_parallel_step.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <span>

#include "core/base/error.h"
#include "core/model/softmax.h"

namespace calmspace {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The four statistics after the gradients in the flat buffer.
constexpr std::size_t kWeightSum = 0, kWeightedLoss = 1, kCorrect = 2, kClips = 3, kStats = 4;

}  // namespace

DataParallelStep::DataParallelStep(SequenceModel& model, const TrainStepConfig& config,
                                   Cluster& cluster)
    : model_(model),
      config_(config),
      cluster_(cluster),
      optimizer_(config.adam, model.weights().size()),
      flat_(model.weights().size() + kStats, 0.0f) {}

void DataParallelStep::run(const Batch& batch, std::uint64_t dropout_seed, int epoch,
                           std::size_t index) {
  auto t0 = Clock::now();
  const int C = model_.num_classes();
  const auto B = static_cast<std::int64_t>(batch.labels.size());
  const std::size_t P = model_.weights().size();
  std::span<float> stats(flat_.data() + P, kStats);
  std::fill(stats.begin(), stats.end(), 0.0f);
  if (B == 0) {
    std::fill(flat_.begin(), flat_.begin() + static_cast<std::ptrdiff_t>(P), 0.0f);
  } else {
    const double loss = forward_backward(model_, batch, config_.class_weights, dropout_seed, epoch,
                                         index, logits_, dlogits_);
    double weight_sum = 0;
    const MixedTargets mix = mixed_targets(batch);
    for (std::int64_t b = 0; b < B; ++b)
      weight_sum += target_weight<float>(b, batch.labels.data(), config_.class_weights, mix);
    const auto g = model_.gradients();
    const auto w = static_cast<float>(weight_sum);
    for (std::size_t i = 0; i < P; ++i) flat_[i] = g[i] * w;
    const auto predicted = argmax_rows(logits_, C);
    std::int64_t correct = 0;
    for (std::int64_t b = 0; b < B; ++b) correct += predicted[b] == batch.labels[b];
    stats[kWeightSum] = w;
    stats[kWeightedLoss] = static_cast<float>(loss * weight_sum);
    stats[kCorrect] = static_cast<float>(correct);
    stats[kClips] = static_cast<float>(B);
  }
  times_.compute += seconds_since(t0);

  t0 = Clock::now();
  cluster_.barrier();  // what the allreduce would wait anyway, measured apart
  times_.wait += seconds_since(t0);
  t0 = Clock::now();
  cluster_.allreduce_sum(flat_);
  times_.allreduce += seconds_since(t0);

  t0 = Clock::now();
  const double total_weight = stats[kWeightSum];
  CALMSPACE_CHECK(total_weight > 0, "class weights of the whole batch sum to ", total_weight);
  auto g = model_.gradients();
  const auto inv = static_cast<float>(1.0 / total_weight);
  for (std::size_t i = 0; i < P; ++i) g[i] = flat_[i] * inv;
  std::fill_n(g.begin(), std::min(config_.adam.frozen, P), 0.0f);  // frozen: not clipped
  totals_.grad_norm_sum += clip_gradient_norm(g, config_.grad_clip);
  optimizer_.step(model_.weights(), g);
  const auto clips = static_cast<std::int64_t>(std::lround(stats[kClips]));
  totals_.loss_sum += static_cast<double>(stats[kWeightedLoss]) / total_weight * clips;
  totals_.correct += std::lround(stats[kCorrect]);
  totals_.seen += clips;
  totals_.steps += 1;
  times_.compute += seconds_since(t0);
  times_.steps += 1;
}

}  // namespace calmspace
