#include "core/dataset/merge.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/dataset/dataset_file.h"
#include "core/dataset/folds.h"
#include "core/dataset/label_map.h"

namespace calmspace {
namespace {

// The corpus name of a single-corpus input: its own, or the file stem for a generic adapter.
std::string corpus_name_of(const DatasetFile& file) {
  const std::string& corpus = file.header().corpus;
  if (corpus.empty() || corpus == "csv" || corpus == "merged")
    return std::filesystem::path(file.path()).stem().string();
  return corpus;
}

std::string absolute_path(const std::string& root, const std::string& path) {
  if (root.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(root) / path).lexically_normal().string();
}

}  // namespace

std::string MergeReport::to_json() const {
  nlohmann::json j;
  j["output"] = output;
  j["labels"] = labels;
  j["num_folds"] = num_folds;
  j["clips_written"] = clips_written;
  j["total_audio_s"] = total_audio_s;
  nlohmann::json corpora_json = nlohmann::json::array();
  for (const auto& c : corpora)
    corpora_json.push_back({{"name", c.name},
                            {"source", c.source},
                            {"clips_in", c.clips_in},
                            {"clips_written", c.clips_written},
                            {"speakers", c.speakers},
                            {"label_mapping", c.label_mapping},
                            {"dropped_labels", c.dropped_labels}});
  j["corpora"] = corpora_json;
  return j.dump(2) + "\n";
}

MergeReport merge_datasets(const std::vector<std::string>& inputs, const Config& config,
                           const std::string& output_path) {
  if (inputs.empty()) throw InputError("merge", "no input dataset files given");
  std::vector<DatasetFile> files;
  files.reserve(inputs.size());
  for (const auto& path : inputs) files.emplace_back(path);
  const int rate = files[0].sample_rate();
  for (const auto& f : files)
    if (f.sample_rate() != rate)
      throw InputError(f.path(),
                       cat("its clips are at ", f.sample_rate(), " Hz, but ", files[0].path(),
                           "'s are at ", rate, " Hz (prepare both at one audio.sample_rate)"));

  // Corpus of each input clip, by name; speakers namespaced by corpus.
  struct Source {
    std::vector<std::string> corpus_of;  // input corpus id -> merged corpus name
  };
  std::vector<Source> sources(files.size());
  std::vector<std::string> corpus_names;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& h = files[i].header();
    if (h.corpus_names.size() > 1)
      sources[i].corpus_of = h.corpus_names;
    else
      sources[i].corpus_of = {corpus_name_of(files[i])};
    for (const auto& name : sources[i].corpus_of) {
      if (std::find(corpus_names.begin(), corpus_names.end(), name) != corpus_names.end())
        throw InputError(files[i].path(), cat("corpus '", name, "' is already in another input; ",
                                              "merge each corpus once"));
      corpus_names.push_back(name);
    }
  }
  auto corpus_index = [&](const std::string& name) {
    return static_cast<int>(std::find(corpus_names.begin(), corpus_names.end(), name) -
                            corpus_names.begin());
  };
  auto speaker_of = [&](std::size_t i, const ClipInfo& c) {
    const std::string& name = files[i].speaker_names()[static_cast<std::size_t>(c.speaker)];
    if (files[i].header().corpus_names.size() > 1) return name;  // namespaced already
    return sources[i].corpus_of[0] + "/" + name;
  };

  // One label set.
  const LabelMap map(config.data.label_map);
  std::vector<std::vector<std::string>> label_sets;
  label_sets.reserve(files.size());
  for (const auto& f : files) label_sets.push_back(f.label_names());
  MergeReport report;
  report.output = output_path;
  report.labels = merged_label_set(map, label_sets, config.data.labels);
  std::vector<std::vector<int>> label_of(files.size());
  for (std::size_t i = 0; i < files.size(); ++i)
    label_of[i] = map.align(files[i].label_names(), report.labels);

  // Speakers and folds, per corpus.
  std::vector<std::vector<std::string>> corpus_speakers(corpus_names.size());
  for (std::size_t i = 0; i < files.size(); ++i)
    for (const ClipInfo& c : files[i].clips()) {
      if (label_of[i][static_cast<std::size_t>(c.label)] < 0) continue;
      const int k = corpus_index(sources[i].corpus_of[static_cast<std::size_t>(c.corpus)]);
      corpus_speakers[static_cast<std::size_t>(k)].push_back(speaker_of(i, c));
    }
  std::vector<std::string> all_speakers;
  for (auto& s : corpus_speakers) {
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
    all_speakers.insert(all_speakers.end(), s.begin(), s.end());
  }
  if (all_speakers.empty())
    throw InputError("data.labels",
                     cat("no clip of ", inputs.size(), " inputs has a label in the merged set"));
  FoldAssignment folds;
  if (!config.data.folds.empty()) {
    folds = assign_folds(all_speakers, config.data);
  } else {
    const int k = config.data.num_folds;
    if (k < 2) throw InputError("data.num_folds", "must be >= 2");
    std::sort(all_speakers.begin(), all_speakers.end());
    folds.speakers = all_speakers;
    folds.speaker_fold.assign(all_speakers.size(), -1);
    folds.num_folds = k;
    for (const auto& s : corpus_speakers) {
      const int n = static_cast<int>(s.size());
      for (int f = 0; f < k; ++f)
        for (int j = f * n / k; j < (f + 1) * n / k; ++j)
          folds.speaker_fold[static_cast<std::size_t>(
              std::lower_bound(all_speakers.begin(), all_speakers.end(), s[j]) -
              all_speakers.begin())] = f;
    }
  }
  report.num_folds = folds.num_folds;

  DatasetHeader header;
  header.corpus = "merged";
  header.root = "";  // clip paths are absolute: each corpus has its own root
  header.sample_rate = rate;
  header.label_names = report.labels;
  header.speaker_names = folds.speakers;
  header.speaker_fold = folds.speaker_fold;
  header.num_folds = folds.num_folds;
  header.corpus_names = corpus_names;
  header.has_split = false;  // folds decide; a corpus's own split column does not carry over
  header.config_yaml = Config(config).to_yaml();  // to_yaml() registers options: non-const
  header.compression = config.data.compression;

  report.corpora.resize(corpus_names.size());
  for (std::size_t k = 0; k < corpus_names.size(); ++k) {
    report.corpora[k].name = corpus_names[k];
    report.corpora[k].speakers = static_cast<int>(corpus_speakers[k].size());
  }
  AtomicFile out(output_path);
  std::int64_t total_samples = 0;
  {
    DatasetWriter writer(out.temp_path(), header);
    for (std::size_t i = 0; i < files.size(); ++i) {
      const DatasetFile& f = files[i];
      for (std::size_t j = 0; j < f.size(); ++j) {
        const ClipInfo& c = f.clips()[j];
        const std::string& name = sources[i].corpus_of[static_cast<std::size_t>(c.corpus)];
        MergeCorpusReport& r = report.corpora[static_cast<std::size_t>(corpus_index(name))];
        r.source = f.path();
        const std::string& label = f.label_names()[static_cast<std::size_t>(c.label)];
        const int merged_label = label_of[i][static_cast<std::size_t>(c.label)];
        r.label_mapping[label] =
            merged_label < 0 ? "" : report.labels[static_cast<std::size_t>(merged_label)];
        ++r.clips_in;
        if (merged_label < 0) {
          ++r.dropped_labels[label];
          continue;
        }
        ClipInfo info;
        info.label = merged_label;
        info.speaker = static_cast<int>(
            std::lower_bound(folds.speakers.begin(), folds.speakers.end(), speaker_of(i, c)) -
            folds.speakers.begin());
        info.fold = folds.speaker_fold[static_cast<std::size_t>(info.speaker)];
        info.corpus = corpus_index(name);
        info.utterance_id = c.utterance_id;
        info.path = absolute_path(f.header().root, c.path);
        const std::vector<float> samples = f.waveform(j);
        total_samples += static_cast<std::int64_t>(samples.size());
        writer.append(std::move(info), samples);
        ++r.clips_written;
      }
    }
    report.clips_written = writer.num_clips();
    writer.close();
  }
  out.commit();
  report.total_audio_s = double(total_samples) / rate;
  return report;
}

}  // namespace calmspace
