#include "core/train/evaluate.h"

#include <numeric>

#include "core/dataset/dataset_file.h"
#include "core/model/checkpoint.h"
#include "core/train/batching.h"
#include "core/train/loss.h"
#include "core/train/model_checkpoint.h"
#include "core/train/splits.h"

namespace calmspace {

Evaluation evaluate_model(SequenceModel& model, ClipSource& source,
                          const std::vector<std::string>& labels, int batch_size) {
  const auto C = static_cast<std::int64_t>(labels.size());
  const auto N = static_cast<std::int64_t>(source.size());
  Evaluation out;
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
    for (std::int64_t b = 0; b < B; ++b)
      std::copy_n(probs.begin() + b * C, C, out.probabilities.begin() + members[b] * C);
  }
  out.predicted = argmax_rows(out.probabilities, static_cast<int>(C));
  out.metrics = compute_metrics(source.labels(), out.predicted, labels, loss_sum / N);
  return out;
}

Evaluation evaluate_checkpoint(const DatasetFile& dataset, const Checkpoint& checkpoint,
                               const std::string& split, int threads) {
  const Config config = checkpoint.config();
  if (dataset.label_names() != checkpoint.labels)
    throw InputError(dataset.path(), "its labels differ from the model's");
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
  // auto, not the training device: a checkpoint trained on a GPU evaluates anywhere.
  auto model = model_from_checkpoint(checkpoint, {"auto", config.train.precision});
  model->set_num_threads(threads);
  ClipSource source(dataset, config, clips, /*augment=*/false);
  return evaluate_model(*model, source, checkpoint.labels, config.train.batch_size);
}

}  // namespace calmspace
