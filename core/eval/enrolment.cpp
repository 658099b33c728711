#include "core/eval/enrolment.h"

#include <algorithm>
#include <map>

#include "core/base/error.h"
#include "core/dataset/clip_source.h"
#include "core/eval/evaluate.h"
#include "core/features/speaker_norm.h"
#include "core/run/model_checkpoint.h"

namespace calmspace {

EnrolmentComparison compare_enrolment(const DatasetFile& dataset, const Checkpoint& model,
                                      const std::string& model_name, const std::string& split,
                                      const std::string& label, const std::vector<int>& counts,
                                      int threads) {
  const Config config = model.config(model_name);
  const Cmvn mode = config.features.speaker_norm;
  if (mode == Cmvn::None)
    throw InputError(model_name,
                     "was not trained with speaker-level normalisation (features.speaker_norm): "
                     "enrolment changes nothing for it");
  const auto known = std::find(model.labels.begin(), model.labels.end(), label);
  if (known == model.labels.end())
    throw InputError("--label", cat("'", label, "' is not one of the model's labels"));
  const int enrol_class = static_cast<int>(known - model.labels.begin());
  if (counts.empty() || *std::min_element(counts.begin(), counts.end()) < 1)
    throw InputError("--clips", "give enrolment clip counts of at least 1");
  const int most = *std::max_element(counts.begin(), counts.end());

  const EvalSelection selection = select_for_eval(dataset, model, split);
  // Each speaker's enrolment candidates: the first `most` clips of `label`, in dataset order.
  std::map<int, std::vector<std::size_t>> enrol;  // speaker -> positions in selection.clips
  std::map<int, std::vector<std::size_t>> scored;
  const auto class_of = [&](std::size_t clip) {
    const int l = dataset.clips()[clip].label;
    return selection.scoring.truth_map.empty() ? l : selection.scoring.truth_map[l];
  };
  for (std::size_t k = 0; k < selection.clips.size(); ++k) {
    const std::size_t clip = selection.clips[k];
    const int speaker = dataset.clips()[clip].speaker;
    auto& mine = enrol[speaker];
    if (class_of(clip) == enrol_class && static_cast<int>(mine.size()) < most)
      mine.push_back(k);
    else
      scored[speaker].push_back(k);
  }
  EnrolmentComparison out;
  out.split = selection.split;
  out.label = label;
  std::vector<std::size_t> scored_positions;
  for (const auto& [speaker, positions] : enrol) {
    const std::string& name = dataset.speaker_names()[static_cast<std::size_t>(speaker)];
    if (static_cast<int>(positions.size()) < most || scored[speaker].empty()) {
      out.speakers_left_out.push_back(name);
      continue;
    }
    out.speakers.push_back(name);
    scored_positions.insert(scored_positions.end(), scored[speaker].begin(), scored[speaker].end());
  }
  std::sort(scored_positions.begin(), scored_positions.end());
  if (scored_positions.empty())
    throw InputError(dataset.path(),
                     cat("no speaker of the '", selection.split, "' split has ", most,
                         " clips labelled '", label, "' and another clip to score"));

  // Features before any speaker normalisation, and the per-utterance ones, for every clip.
  Config raw = config;
  raw.features.speaker_norm = Cmvn::None;
  raw.features.speaker_norm_label.clear();
  raw.features.num_threads = threads;
  Config utterance = raw;
  utterance.features = utterance_features(config.features);
  utterance.features.num_threads = threads;
  ClipSource raw_source(dataset, raw, selection.clips, /*augment=*/false);
  ClipSource utterance_source(dataset, utterance, selection.clips, /*augment=*/false);
  const std::vector<FeatureMatrix>& clean = raw_source.clean_features();
  const std::vector<FeatureMatrix>& own = utterance_source.clean_features();

  auto net = model_from_checkpoint(model);
  net->set_num_threads(threads);
  std::vector<int> truth;
  truth.reserve(scored_positions.size());
  for (const std::size_t k : scored_positions)
    truth.push_back(dataset.clips()[selection.clips[k]].label);
  const auto score = [&](const std::string& name, int clips, std::vector<FeatureMatrix> features) {
    const Evaluation e = evaluate_features(*net, features, truth, model.labels,
                                           config.train.batch_size, selection.scoring);
    out.conditions.push_back({name, clips, e.metrics});
    out.classes_left_out = e.classes_left_out;
  };
  // Statistics of each scored speaker over the given positions, applied to the scored clips.
  const auto normalised = [&](const std::map<int, std::vector<std::size_t>>& from) {
    std::vector<FeatureMatrix> clips;  // every listed clip, one statistics pass for all speakers
    std::vector<int> who;
    for (const auto& [speaker, positions] : from)
      for (const std::size_t k : positions) {
        clips.push_back(clean[k]);
        who.push_back(speaker);
      }
    const std::map<int, FeatureStats> stats = speaker_stats(clips, who);
    std::vector<FeatureMatrix> features;
    for (const std::size_t k : scored_positions) {
      FeatureMatrix m = clean[k];
      apply_speaker_norm(m, stats.at(dataset.clips()[selection.clips[k]].speaker), mode);
      features.push_back(std::move(m));
    }
    return features;
  };

  std::vector<FeatureMatrix> per_utterance;
  per_utterance.reserve(scored_positions.size());
  for (const std::size_t k : scored_positions) per_utterance.push_back(own[k]);
  score("utterance", 0, std::move(per_utterance));
  std::vector<int> sorted_counts = counts;
  std::sort(sorted_counts.begin(), sorted_counts.end());
  sorted_counts.erase(std::unique(sorted_counts.begin(), sorted_counts.end()), sorted_counts.end());
  for (const int n : sorted_counts) {
    std::map<int, std::vector<std::size_t>> first_n;
    for (const auto& [speaker, positions] : enrol)
      if (static_cast<int>(positions.size()) >= most && !scored[speaker].empty())
        first_n[speaker].assign(positions.begin(), positions.begin() + n);
    score(cat("enrol ", n), n, normalised(first_n));
  }
  std::map<int, std::vector<std::size_t>> every;
  for (std::size_t k = 0; k < selection.clips.size(); ++k)
    every[dataset.clips()[selection.clips[k]].speaker].push_back(k);
  score("all clips", 0, normalised(every));
  return out;
}

}  // namespace calmspace
