#include "core/dataset/prepare.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "core/audio/decode.h"
#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/base/parallel.h"
#include "core/base/text.h"
#include "core/dataset/dataset_file.h"
#include "core/dataset/folds.h"
#include "core/dataset/label_map.h"
#include "core/features/feature_extractor.h"

namespace calmspace {
namespace {

struct Decoded {
  std::vector<float> samples;
  FeatureMatrix features;  // only with data.store_features
  std::string error;       // non-empty: skipped for this reason
};

Decoded decode_one(const std::string& path, const AudioOptions& options) {
  Decoded d;
  try {
    d.samples = load_audio(path, options).samples;
    if (d.samples.empty()) d.error = "no samples (empty recording)";
  } catch (const InputError& e) {
    d.error = e.reason();
  } catch (const std::exception& e) {
    d.error = e.what();
  }
  return d;
}

std::string relative_to(const std::string& path, const std::string& root) {
  namespace fs = std::filesystem;
  const fs::path rel = fs::path(path).lexically_relative(fs::path(root).lexically_normal());
  if (rel.empty() || *rel.begin() == "..") return path;
  return rel.generic_string();
}

// Features of the decoded clips (those without an error) in one batch; a batch that fails is
// retried clip by clip so that the error lands on the clip that caused it.
void extract_features(FeatureExtractor& extractor, std::vector<Decoded>& decoded) {
  std::vector<std::size_t> ok;
  std::vector<std::span<const float>> clips;
  for (std::size_t k = 0; k < decoded.size(); ++k)
    if (decoded[k].error.empty()) {
      ok.push_back(k);
      clips.emplace_back(decoded[k].samples);
    }
  if (ok.empty()) return;
  try {
    const PaddedBatch batch = extractor.extract_batch(clips);
    for (std::size_t i = 0; i < ok.size(); ++i) {
      FeatureMatrix& m = decoded[ok[i]].features;
      m.frames = batch.lengths[i];
      m.dim = batch.dim;
      const auto rows = batch.clip(static_cast<std::int64_t>(i));
      m.data.assign(rows.begin(), rows.end());
    }
  } catch (const Error&) {
    for (std::size_t k : ok) {
      try {
        decoded[k].features = extractor.extract(decoded[k].samples);
      } catch (const Error& e) {
        decoded[k].error = cat("feature extraction failed: ", e.what());
      }
    }
  }
}

// Speaker-independent folds; one person's clips with a CSV split column (a fine-tuning set,
// core/train/fine_tuning.h) have a single fold: the split column decides.
FoldAssignment folds_of(std::vector<std::string> speakers, bool has_split,
                        const DataOptions& options) {
  std::sort(speakers.begin(), speakers.end());
  speakers.erase(std::unique(speakers.begin(), speakers.end()), speakers.end());
  if (!has_split || speakers.size() != 1 || !options.folds.empty())
    return assign_folds(speakers, options);
  FoldAssignment one;
  one.speakers = speakers;
  one.speaker_fold = {0};
  one.num_folds = 1;
  return one;
}

}  // namespace

std::string PrepareReport::to_json() const {
  nlohmann::json j;
  j["corpus"] = corpus;
  j["root"] = root;
  j["output"] = output;
  j["files_listed"] = files_listed;
  j["clips_written"] = clips_written;
  j["skipped_count"] = skipped_by_name.size() + skipped_by_decode.size();
  auto list = [](const std::vector<SkippedFile>& files) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& f : files) a.push_back({{"path", f.path}, {"reason", f.reason}});
    return a;
  };
  j["skipped_by_name"] = list(skipped_by_name);
  j["skipped_by_decode"] = list(skipped_by_decode);
  j["warnings"] = warnings;
  if (!labels_left_out.empty()) j["labels_left_out"] = labels_left_out;
  j["total_audio_s"] = total_audio_s;
  j["elapsed_s"] = elapsed_s;
  j["threads"] = threads;
  return j.dump(2) + "\n";
}

PrepareReport prepare_dataset(const CorpusListing& listing, Config& config,
                              const std::string& output_path, const PrepareLog& log) {
  const auto start = std::chrono::steady_clock::now();
  auto emit = [&](const std::string& line) {
    if (log) log(line);
  };
  PrepareReport report;
  report.corpus = listing.corpus;
  report.root = listing.root;
  report.output = output_path;
  report.files_listed = static_cast<std::int64_t>(listing.clips.size());
  report.skipped_by_name = listing.skipped;
  report.threads = resolve_threads(config.data.num_threads);
  for (const auto& s : listing.skipped) emit("skipped " + s.path + ": " + s.reason);
  if (listing.clips.empty())
    throw InputError(listing.root, cat("no ", listing.corpus, " clips found (",
                                       listing.skipped.size(), " files skipped by name)"));

  // The label set: the listing's own, or data.labels with the listing's labels mapped onto it by
  // name (label_map.h); clips of a label outside it are left out and counted.
  std::vector<std::string> label_names = listing.label_names;
  std::map<std::string, int> label_id;
  std::vector<const ClipRecord*> kept;
  if (config.data.labels.empty()) {
    for (std::size_t i = 0; i < label_names.size(); ++i) label_id[label_names[i]] = int(i);
  } else {
    const LabelMap map(config.data.label_map);
    label_names = merged_label_set(map, {listing.label_names}, config.data.labels);
    const std::vector<int> aligned = map.align(listing.label_names, label_names);
    for (std::size_t i = 0; i < aligned.size(); ++i)
      if (aligned[i] >= 0) label_id[listing.label_names[i]] = aligned[i];
  }
  for (const auto& c : listing.clips) {
    if (label_id.count(c.label)) {
      kept.push_back(&c);
    } else {
      ++report.labels_left_out[c.label];
    }
  }
  for (const auto& [label, count] : report.labels_left_out)
    emit(cat("left out ", count, " clips labelled '", label, "' (not in data.labels)"));
  if (kept.empty())
    throw InputError("data.labels",
                     cat("no clip of ", listing.root, " has a label in the set (its labels: ",
                         join(listing.label_names, " "), ")"));

  // Folds first: a config error should stop us before the expensive part.
  std::vector<std::string> speakers;
  speakers.reserve(kept.size());
  for (const ClipRecord* c : kept) speakers.push_back(c->speaker);
  const FoldAssignment folds = folds_of(speakers, listing.has_split, config.data);
  for (const auto& w : folds.warnings) {
    report.warnings.push_back(w);
    emit("warning: " + w);
  }

  DatasetHeader header;
  header.corpus = listing.corpus;
  header.root = std::filesystem::absolute(listing.root).lexically_normal().string();
  header.sample_rate = config.audio.sample_rate;
  header.label_names = label_names;
  header.speaker_names = folds.speakers;
  header.speaker_fold = folds.speaker_fold;
  header.num_folds = folds.num_folds;
  header.has_split = listing.has_split;
  header.config_yaml = config.to_yaml();
  header.compression = config.data.compression;

  // Clips in path order; decode a batch in parallel, then write it in order.
  std::vector<const ClipRecord*> order = kept;
  std::sort(order.begin(), order.end(),
            [](const ClipRecord* a, const ClipRecord* b) { return a->path < b->path; });

  // Optional precomputed features: each decoded batch in one call of the extractor the config's
  // feature device picks (the CPU spreads the clips over its threads; CUDA takes them at once).
  std::unique_ptr<FeatureExtractor> extractor;
  std::optional<FeatureSet> features;
  if (config.data.store_features) {
    FeatureOptions options = config.features;
    options.num_threads = report.threads;
    extractor = make_feature_extractor(options, config.audio.sample_rate, config.feature_device(),
                                       "features.device");
    features = make_feature_set(config.features, config.audio.sample_rate);
  }

  AtomicFile out(output_path);
  std::int64_t total_samples = 0;
  {
    DatasetWriter writer(out.temp_path(), header);
    const std::size_t batch = static_cast<std::size_t>(std::max(64, report.threads * 16));
    std::vector<Decoded> decoded;
    for (std::size_t first = 0; first < order.size(); first += batch) {
      const std::size_t count = std::min(batch, order.size() - first);
      decoded.assign(count, {});
      parallel_for(static_cast<std::int64_t>(count), report.threads, [&](std::int64_t k) {
        decoded[k] = decode_one(order[first + k]->path, config.audio);
      });
      if (extractor) extract_features(*extractor, decoded);
      for (std::size_t k = 0; k < count; ++k) {
        const ClipRecord& rec = *order[first + k];
        if (!decoded[k].error.empty()) {
          report.skipped_by_decode.push_back({rec.path, decoded[k].error});
          emit("skipped " + rec.path + ": " + decoded[k].error);
          continue;
        }
        const auto label = label_id.find(rec.label);
        CALMSPACE_CHECK(label != label_id.end(), "label ", rec.label, " not in the listing");
        ClipInfo info;
        info.label = label->second;
        const auto sp = std::lower_bound(folds.speakers.begin(), folds.speakers.end(), rec.speaker);
        info.speaker = static_cast<int>(sp - folds.speakers.begin());
        info.fold = folds.speaker_fold[info.speaker];
        info.utterance_id = rec.utterance_id;
        info.path = relative_to(rec.path, listing.root);
        info.split = rec.split;
        writer.append(std::move(info), decoded[k].samples);
        if (features) features->append(decoded[k].features.data, decoded[k].features.frames);
        total_samples += static_cast<std::int64_t>(decoded[k].samples.size());
        std::vector<float>().swap(decoded[k].samples);
      }
    }
    report.clips_written = writer.num_clips();
    if (report.clips_written == 0) {
      const auto& first = report.skipped_by_decode.front();
      throw InputError(listing.root, cat("none of the ", kept.size(),
                                         " clips could be decoded (first: ", first.path, ": ",
                                         first.reason, "); nothing written"));
    }
    if (features) writer.write_feature_set(*features);
    writer.close();
  }
  out.commit();
  report.total_audio_s = double(total_samples) / config.audio.sample_rate;
  report.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace calmspace
