#include "core/eval/evaluate.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/dataset/batching.h"
#include "core/dataset/dataset_file.h"
#include "core/dataset/label_map.h"
#include "core/dataset/splits.h"
#include "core/model/loss.h"
#include "core/model/softmax.h"
#include "core/run/checkpoint.h"
#include "core/run/model_checkpoint.h"

namespace calmspace {
namespace {

int mapped(std::span<const int> truth_map, int label) {
  return truth_map.empty() ? label : truth_map[static_cast<std::size_t>(label)];
}

// Predictions (argmax over `classes`, or all C) and metrics over the scored classes.
void score(const std::vector<int>& truth, const std::vector<std::string>& labels,
           const Scoring& scoring, double loss, Evaluation& out) {
  const int C = static_cast<int>(labels.size());
  std::vector<int> classes = scoring.classes;
  if (classes.empty()) {
    classes.resize(static_cast<std::size_t>(C));
    std::iota(classes.begin(), classes.end(), 0);
  }
  std::vector<int> index_of(static_cast<std::size_t>(C), -1);  // model class -> scored index
  std::vector<std::string> names;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    index_of[static_cast<std::size_t>(classes[k])] = static_cast<int>(k);
    names.push_back(labels[static_cast<std::size_t>(classes[k])]);
  }
  out.classes_left_out.clear();
  for (int c = 0; c < C; ++c)
    if (index_of[static_cast<std::size_t>(c)] < 0)
      out.classes_left_out.push_back(labels[static_cast<std::size_t>(c)]);
  const std::size_t N = truth.size();
  out.predicted.assign(N, 0);
  std::vector<int> t(N), p(N);
  for (std::size_t i = 0; i < N; ++i) {
    const float* row = out.probabilities.data() + i * static_cast<std::size_t>(C);
    int best = classes[0];
    for (int c : classes)
      if (row[c] > row[best]) best = c;
    out.predicted[i] = best;
    p[i] = index_of[static_cast<std::size_t>(best)];
    t[i] = index_of[static_cast<std::size_t>(truth[i])];
    CALMSPACE_CHECK(t[i] >= 0, "clip ", i, "'s class ", labels[truth[i]], " is not scored");
  }
  out.metrics = compute_metrics(t, p, names, loss);
  out.truth = truth;
  out.scored = std::move(classes);
}

}  // namespace

Evaluation evaluate_features(SequenceModel& model, std::span<const FeatureMatrix> features,
                             std::span<const int> dataset_labels,
                             const std::vector<std::string>& labels, int batch_size,
                             const Scoring& scoring) {
  const auto C = static_cast<std::int64_t>(labels.size());
  const auto N = static_cast<std::int64_t>(features.size());
  CALMSPACE_CHECK(dataset_labels.size() == features.size(), "one label per clip");
  Evaluation out;
  out.logits.assign(static_cast<std::size_t>(N * C), 0.0f);
  out.probabilities.assign(static_cast<std::size_t>(N * C), 0.0f);
  std::vector<int> truth(static_cast<std::size_t>(N));
  for (std::int64_t k = 0; k < N; ++k) truth[k] = mapped(scoring.truth_map, dataset_labels[k]);
  if (N == 0) {
    score(truth, labels, scoring, std::numeric_limits<double>::quiet_NaN(), out);
    return out;
  }
  std::vector<std::int64_t> frames;
  frames.reserve(features.size());
  for (const auto& f : features) frames.push_back(f.frames);
  // Sorted by length (fixed seed and epoch): less padding, and the result is order-independent.
  const BatchPlan plan = bucketed_batches(frames, batch_size, 0, 0);
  std::vector<float> logits, dlogits, probs;
  double loss_sum = 0;
  for (const auto& members : plan) {
    const Batch batch = pad_batch(features, truth, members);
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
  score(truth, labels, scoring, loss_sum / N, out);
  return out;
}

Evaluation evaluate_model(SequenceModel& model, ClipSource& source,
                          const std::vector<std::string>& labels, int batch_size,
                          const Scoring& scoring) {
  if (source.size() == 0) return evaluate_features(model, {}, {}, labels, batch_size, scoring);
  return evaluate_features(model, source.clean_features(), source.labels(), labels, batch_size,
                           scoring);
}

Evaluation evaluate_logits(std::vector<float> logits, std::span<const int> dataset_labels,
                           const std::vector<std::string>& labels, const Scoring& scoring) {
  const auto C = static_cast<std::int64_t>(labels.size());
  const auto N = static_cast<std::int64_t>(dataset_labels.size());
  CALMSPACE_CHECK(static_cast<std::int64_t>(logits.size()) == N * C, "logits are (N, C)");
  Evaluation out;
  out.logits = std::move(logits);
  out.probabilities.resize(out.logits.size());
  std::vector<int> truth(static_cast<std::size_t>(N));
  for (std::int64_t k = 0; k < N; ++k) truth[k] = mapped(scoring.truth_map, dataset_labels[k]);
  std::vector<float> unused(out.logits.size());
  const double loss = N ? softmax_cross_entropy(out.logits, N, C, truth, {}, unused)
                        : std::numeric_limits<double>::quiet_NaN();
  softmax(out.logits, N, C, out.probabilities);
  score(truth, labels, scoring, loss, out);
  return out;
}

std::vector<int> scored_classes(const DatasetFile& dataset, std::span<const std::size_t> clips,
                                std::span<const int> truth_map) {
  const auto& all = dataset.clips();
  std::vector<char> corpus_used(dataset.header().corpus_names.size(), 0);
  for (std::size_t i : clips) corpus_used[static_cast<std::size_t>(all[i].corpus)] = 1;
  std::vector<int> classes;
  for (const ClipInfo& c : all) {
    if (!corpus_used[static_cast<std::size_t>(c.corpus)]) continue;
    const int m = mapped(truth_map, c.label);
    if (m >= 0) classes.push_back(m);
  }
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  return classes;
}

namespace {

std::vector<std::size_t> split_clips(const DatasetFile& dataset, const Config& config,
                                     const std::string& split) {
  std::vector<std::size_t> clips;
  if (split == "all") {
    clips.resize(dataset.size());
    std::iota(clips.begin(), clips.end(), std::size_t{0});
  } else {
    // Evaluation only picks the clips of one split; whether a speaker is also in another split of
    // a CSV split column (a person's clips for fine-tuning and for testing) changes nothing here.
    TrainOptions which = config.train;
    which.speaker_independent = false;
    const Splits s = make_splits(dataset, which, config.data.fold_by);
    if (split == "test")
      clips = s.test;
    else if (split == "valid")
      clips = s.valid;
    else if (split == "train")
      clips = s.train;
    else
      throw InputError("--split", cat("'", split, "' is not one of auto, test, valid, train, all"));
  }
  return clips;
}

// The model classes of the dataset's labels (-1: the model has no such class).
std::vector<int> truth_map_of(const DatasetFile& dataset, const Checkpoint& checkpoint) {
  if (dataset.label_names() == checkpoint.labels) return {};
  return LabelMap(checkpoint.config().data.label_map)
      .align(dataset.label_names(), checkpoint.labels);
}

std::string resolve_split(const DatasetFile& dataset, const Checkpoint& checkpoint,
                          const std::string& split) {
  if (split != "auto") return split;
  return dataset.label_names() == checkpoint.labels ? "test" : "all";
}

}  // namespace

EvalSelection select_for_eval(const DatasetFile& dataset, const Checkpoint& checkpoint,
                              const std::string& requested_split) {
  EvalSelection out;
  out.split = resolve_split(dataset, checkpoint, requested_split);
  out.scoring.truth_map = truth_map_of(dataset, checkpoint);
  out.clips = split_clips(dataset, checkpoint.config(), out.split);
  if (!out.scoring.truth_map.empty()) {
    const auto& map = out.scoring.truth_map;
    if (std::all_of(map.begin(), map.end(), [](int m) { return m < 0; }))
      throw InputError(dataset.path(),
                       "none of its labels is one of the model's classes "
                       "(add synonyms with data.label_map)");
    std::erase_if(out.clips, [&](std::size_t i) {
      const int label = dataset.clips()[i].label;
      if (map[static_cast<std::size_t>(label)] >= 0) return false;
      ++out.clips_left_out[dataset.label_names()[static_cast<std::size_t>(label)]];
      return true;
    });
  }
  out.scoring.classes = scored_classes(dataset, out.clips, out.scoring.truth_map);
  if (out.scoring.classes.size() == checkpoint.labels.size()) out.scoring.classes.clear();
  return out;
}

std::vector<int> shared_trained_classes(const DatasetFile& dataset,
                                        std::span<const std::size_t> train,
                                        std::span<const std::size_t> test) {
  std::vector<char> taught(dataset.label_names().size(), 0);
  for (std::size_t i : train) taught[static_cast<std::size_t>(dataset.clips()[i].label)] = 1;
  std::vector<int> classes = scored_classes(dataset, test);
  std::erase_if(classes, [&](int c) { return !taught[static_cast<std::size_t>(c)]; });
  return classes;
}

Evaluation evaluate_checkpoint(const DatasetFile& dataset, const Checkpoint& checkpoint,
                               const std::string& requested_split, int threads) {
  const Config config = checkpoint.config();
  EvalSelection selection = select_for_eval(dataset, checkpoint, requested_split);
  // auto, not the training device: a checkpoint trained on a GPU evaluates anywhere.
  auto model = model_from_checkpoint(checkpoint, {"auto", config.train.precision});
  model->set_num_threads(threads);
  ClipSource source(dataset, config, selection.clips, /*augment=*/false);
  Evaluation out =
      evaluate_model(*model, source, checkpoint.labels, config.train.batch_size, selection.scoring);
  out.clips_left_out = std::move(selection.clips_left_out);
  out.split = selection.split;
  out.clips = std::move(selection.clips);
  return out;
}

Evaluation evaluate_checkpoints(const DatasetFile& dataset, std::span<const Checkpoint> members,
                                const std::string& requested_split, int threads) {
  CALMSPACE_CHECK(!members.empty(), "an ensemble needs a member");
  Evaluation out = evaluate_checkpoint(dataset, members[0], requested_split, threads);
  const double temperature = members[0].config().model.temperature;
  if (members.size() == 1 && temperature == 1.0) return out;
  const EvalSelection selection = select_for_eval(dataset, members[0], requested_split);
  for (std::size_t m = 1; m < members.size(); ++m) {
    if (select_for_eval(dataset, members[m], requested_split).clips != selection.clips)
      throw InputError(dataset.path(), cat("ensemble member ", m, "'s ", out.split,
                                           " split differs from member 0's"));
    const Evaluation e = evaluate_checkpoint(dataset, members[m], requested_split, threads);
    for (std::size_t i = 0; i < out.logits.size(); ++i) out.logits[i] += e.logits[i];
  }
  const float scale = mean_logit_scale(members.size(), temperature);  // the first member's T
  for (float& z : out.logits) z *= scale;
  const Checkpoint& first = members[0];
  std::vector<int> dataset_labels;
  for (std::size_t i : selection.clips) dataset_labels.push_back(dataset.clips()[i].label);
  const Scoring& scoring = selection.scoring;
  Evaluation mean = evaluate_logits(std::move(out.logits), dataset_labels, first.labels, scoring);
  mean.clips_left_out = std::move(out.clips_left_out);
  mean.split = out.split;
  mean.clips = selection.clips;
  return mean;
}

}  // namespace calmspace
