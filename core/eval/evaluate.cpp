#include "core/eval/evaluate.h"

#include <numeric>

#include "core/dataset/batching.h"
#include "core/dataset/dataset_file.h"
#include "core/dataset/splits.h"
#include "core/model/loss.h"
#include "core/run/checkpoint.h"
#include "core/run/model_checkpoint.h"

namespace calmspace {

Evaluation evaluate_model(SequenceModel& model, ClipSource& source,
                          const std::vector<std::string>& labels, int batch_size) {
  const auto C = static_cast<std::int64_t>(labels.size());
  const auto N = static_cast<std::int64_t>(source.size());
  Evaluation out;
  out.logits.assign(static_cast<std::size_t>(N * C), 0.0f);
  out.probabilities.assign(static_cast<std::size_t>(N * C), 0.0f);
  out.predicted.assign(static_cast<std::size_t>(N), 0);
  if (N == 0) {
    out.metrics = compute_metrics({}, {}, labels);
    return out;
  }
  const auto& features = source.clean_features();
  std::vector<std::int64_t> frames;
  for (const auto& f : features) frames.push_back(f.frames);
  // Sorted by length (fixed seed and epoch): less padding, and the result is order-independent.
  const BatchPlan plan = bucketed_batches(frames, batch_size, 0, 0);
  std::vector<float> logits, dlogits, probs;
  double loss_sum = 0;
  for (const auto& members : plan) {
    const Batch batch = pad_batch(features, source.labels(), members);
    model.forward(batch.x, logits, /*training=*/false, 0);
    const auto B = static_cast<std::int64_t>(members.size());
    dlogits.resize(logits.size());
    probs.resize(logits.size());
    loss_sum += B * softmax_cross_entropy(logits, B, C, batch.labels, {}, dlogits);
    softmax(logits, B, C, probs);
    for (std::int64_t b = 0; b < B; ++b) {
      std::copy_n(logits.begin() + b * C, C, out.logits.begin() + members[b] * C);
      std::copy_n(probs.begin() + b * C, C, out.probabilities.begin() + members[b] * C);
    }
  }
  out.predicted = argmax_rows(out.probabilities, static_cast<int>(C));
  out.metrics = compute_metrics(source.labels(), out.predicted, labels, loss_sum / N);
  return out;
}

namespace {

std::vector<std::size_t> split_clips(const DatasetFile& dataset, const Config& config,
                                     const std::string& split) {
  std::vector<std::size_t> clips;
  if (split == "all") {
    clips.resize(dataset.size());
    std::iota(clips.begin(), clips.end(), std::size_t{0});
  } else {
    const Splits s = make_splits(dataset, config.train);
    if (split == "test")
      clips = s.test;
    else if (split == "valid")
      clips = s.valid;
    else if (split == "train")
      clips = s.train;
    else
      throw InputError("--split", cat("'", split, "' is not one of test, valid, train, all"));
  }
  return clips;
}

}  // namespace

Evaluation evaluate_checkpoint(const DatasetFile& dataset, const Checkpoint& checkpoint,
                               const std::string& split, int threads) {
  const Config config = checkpoint.config();
  if (dataset.label_names() != checkpoint.labels)
    throw InputError(dataset.path(), "its labels differ from the model's");
  const std::vector<std::size_t> clips = split_clips(dataset, config, split);
  // auto, not the training device: a checkpoint trained on a GPU evaluates anywhere.
  auto model = model_from_checkpoint(checkpoint, {"auto", config.train.precision});
  model->set_num_threads(threads);
  ClipSource source(dataset, config, clips, /*augment=*/false);
  return evaluate_model(*model, source, checkpoint.labels, config.train.batch_size);
}

Evaluation evaluate_checkpoints(const DatasetFile& dataset, std::span<const Checkpoint> members,
                                const std::string& split, int threads) {
  CALMSPACE_CHECK(!members.empty(), "an ensemble needs a member");
  Evaluation out = evaluate_checkpoint(dataset, members[0], split, threads);
  if (members.size() == 1) return out;
  const std::vector<std::size_t> clips = split_clips(dataset, members[0].config(), split);
  for (std::size_t m = 1; m < members.size(); ++m) {
    if (split_clips(dataset, members[m].config(), split) != clips)
      throw InputError(dataset.path(),
                       cat("ensemble member ", m, "'s ", split, " split differs from member 0's"));
    const Evaluation e = evaluate_checkpoint(dataset, members[m], split, threads);
    for (std::size_t i = 0; i < out.logits.size(); ++i) out.logits[i] += e.logits[i];
  }
  for (float& z : out.logits) z /= static_cast<float>(members.size());
  const auto C = static_cast<std::int64_t>(members[0].labels.size());
  const auto N = static_cast<std::int64_t>(clips.size());
  std::vector<int> labels(clips.size());
  for (std::size_t i = 0; i < clips.size(); ++i) labels[i] = dataset.clips()[clips[i]].label;
  std::vector<float> unused(out.logits.size());
  const double loss = N ? softmax_cross_entropy(out.logits, N, C, labels, {}, unused) : 0.0;
  softmax(out.logits, N, C, out.probabilities);
  out.predicted = argmax_rows(out.probabilities, static_cast<int>(C));
  out.metrics = compute_metrics(labels, out.predicted, members[0].labels, loss);
  return out;
}

}  // namespace calmspace
