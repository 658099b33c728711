// calmspace info FILE.h5: what a dataset file holds: schema, sample rate, clip counts and
// durations per label, per speaker and per fold, and the feature sets stored in it.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "core/dataset/dataset_file.h"
#include "tools/verb.h"

namespace {

std::string row(const std::string& name, std::size_t width, std::int64_t clips, double seconds) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "  %-*s %6lld clips %9.1f s\n", static_cast<int>(width),
                name.c_str(), static_cast<long long>(clips), seconds);
  return buf;
}

void print_info(const std::string& path) {
  const calmspace::DatasetFile file(path);
  const auto& h = file.header();
  const double rate = h.sample_rate;
  const std::size_t nl = h.label_names.size(), ns = h.speaker_names.size();
  std::vector<std::int64_t> label_clips(nl), speaker_clips(ns);
  std::vector<double> label_s(nl), speaker_s(ns);
  std::map<int, std::int64_t> fold_clips;
  std::map<int, double> fold_s;
  std::map<std::string, std::int64_t> split_clips;
  std::vector<std::int64_t> corpus_clips(h.corpus_names.size());
  std::vector<double> corpus_s(h.corpus_names.size());
  double total_s = 0;
  for (const auto& c : file.clips()) {
    const double s = c.length / rate;
    label_clips[c.label]++;
    label_s[c.label] += s;
    speaker_clips[c.speaker]++;
    speaker_s[c.speaker] += s;
    fold_clips[c.fold]++;
    fold_s[c.fold] += s;
    if (h.has_split) split_clips[c.split]++;
    corpus_clips[c.corpus]++;
    corpus_s[c.corpus] += s;
    total_s += s;
  }
  std::size_t width = 8;
  for (const auto& n : h.label_names) width = std::max(width, n.size());
  for (const auto& n : h.speaker_names) width = std::max(width, n.size());

  std::cout << "file:           " << path << "\n"
            << "schema version: " << file.schema_version() << "\n"
            << "corpus:         " << (h.corpus.empty() ? "?" : h.corpus) << " (" << h.root << ")\n"
            << "sample rate:    " << h.sample_rate << " Hz\n";
  char total[128];
  std::snprintf(total, sizeof total, "%zu clips, %.1f s (%.1f min)", file.size(), total_s,
                total_s / 60.0);
  std::cout << "clips:          " << total << "\n";
  if (h.corpus_names.size() > 1) {
    std::cout << "corpora (" << h.corpus_names.size() << "):\n";
    for (std::size_t k = 0; k < h.corpus_names.size(); ++k)
      std::cout << row(h.corpus_names[k], width, corpus_clips[k], corpus_s[k]);
  }
  std::cout << "labels (" << nl << "):\n";
  for (std::size_t l = 0; l < nl; ++l)
    std::cout << row(h.label_names[l], width, label_clips[l], label_s[l]);
  std::cout << "speakers (" << ns << "):\n";
  for (std::size_t s = 0; s < ns; ++s)
    std::cout << row(h.speaker_names[s] + " (fold " + std::to_string(h.speaker_fold[s]) + ")",
                     width + 9, speaker_clips[s], speaker_s[s]);
  std::cout << "folds (" << h.num_folds << ", speaker-independent):\n";
  for (int f = 0; f < h.num_folds; ++f) {
    std::string who;
    for (std::size_t s = 0; s < ns; ++s)
      if (h.speaker_fold[s] == f) who += (who.empty() ? "" : " ") + h.speaker_names[s];
    std::cout << row("fold " + std::to_string(f), width, fold_clips[f], fold_s[f])
              << "      speakers: " << who << "\n";
  }
  if (h.has_split) {
    std::cout << "splits:\n";
    for (const auto& [split, n] : split_clips)
      std::cout << "  " << (split.empty() ? "(none)" : split) << ": " << n << " clips\n";
  }
  const auto sets = file.feature_sets();
  std::cout << "feature sets:   " << (sets.empty() ? "none" : std::to_string(sets.size())) << "\n";
  for (const auto& fs : sets)
    std::cout << "  " << fs.key << ": " << fs.total_frames << " frames x " << fs.feature_dim
              << "\n";
}

void add_info(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("info", "summarise a dataset file made by `calmspace prepare`");
  cmd->add_option("file", *path, "dataset file (.h5)")->required();
  cmd->callback([path] { print_info(*path); });
}

}  // namespace

CALMSPACE_VERB(info, 15, add_info);
