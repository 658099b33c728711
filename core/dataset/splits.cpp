#include "core/dataset/splits.h"

#include <algorithm>
#include <cctype>

#include "core/base/error.h"

namespace calmspace {

namespace {

enum class Part { Train, Valid, Test };

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool parse_split(const std::string& value, Part* part) {
  const auto v = lower(value);
  if (v == "train" || v == "training") {
    *part = Part::Train;
  } else if (v == "valid" || v == "validation" || v == "val" || v == "dev") {
    *part = Part::Valid;
  } else if (v == "test") {
    *part = Part::Test;
  } else {
    return false;
  }
  return true;
}

const char* part_name(Part p) {
  return p == Part::Train ? "train" : p == Part::Valid ? "valid" : "test";
}

bool uses_csv_split(const DatasetHeader& header, const std::vector<ClipInfo>& clips) {
  if (!header.has_split) return false;
  return std::any_of(clips.begin(), clips.end(),
                     [](const ClipInfo& c) { return !c.split.empty(); });
}

}  // namespace

Splits make_splits(const DatasetHeader& header, const std::vector<ClipInfo>& clips,
                   const TrainOptions& options, const std::string& dataset_name, FoldBy fold_by) {
  Splits s;
  std::vector<Part> parts(clips.size());
  if (fold_by == FoldBy::Corpus) {
    s.source = "corpus";
    const int corpora = static_cast<int>(header.corpus_names.size());
    if (corpora < 2)
      throw InputError("data.fold_by",
                       cat("corpus needs a dataset of several corpora (calmspace merge); ",
                           dataset_name, " has one (", header.corpus, ")"));
    if (options.test_fold < 0 || options.test_fold >= corpora)
      throw InputError("train.test_fold",
                       cat(options.test_fold,
                           " is out of range: with data.fold_by corpus it names a "
                           "corpus of ",
                           dataset_name, ", 0..", corpora - 1));
    const int n = header.num_folds;
    const int valid =
        options.valid_fold < 0 ? (options.test_fold + 1) % std::max(n, 1) : options.valid_fold;
    if (options.validation && valid >= n)
      throw InputError("train.valid_fold", cat(valid, " is out of range: ", dataset_name,
                                               " has speaker folds 0..", n - 1));
    s.test_fold = options.test_fold;
    s.valid_fold = options.validation ? valid : -1;
    for (std::size_t i = 0; i < clips.size(); ++i)
      parts[i] = clips[i].corpus == s.test_fold  ? Part::Test
                 : clips[i].fold == s.valid_fold ? Part::Valid
                                                 : Part::Train;
  } else if (uses_csv_split(header, clips)) {
    s.source = "csv";
    for (std::size_t i = 0; i < clips.size(); ++i)
      if (!parse_split(clips[i].split, &parts[i]))
        throw InputError(dataset_name, cat("clip ", i, " (", clips[i].utterance_id, ") has split '",
                                           clips[i].split,
                                           "'; expected train, valid or test in every row "
                                           "when the manifest has a split column"));
  } else {
    s.source = "folds";
    const int n = header.num_folds;
    if (n < 2) throw InputError(dataset_name, cat("has ", n, " fold(s); need at least 2"));
    if (options.test_fold < 0 || options.test_fold >= n)
      throw InputError("train.test_fold", cat(options.test_fold, " is out of range: ", dataset_name,
                                              " has folds 0..", n - 1));
    const int valid = options.valid_fold < 0 ? (options.test_fold + 1) % n : options.valid_fold;
    if (valid >= n)
      throw InputError("train.valid_fold",
                       cat(valid, " is out of range: ", dataset_name, " has folds 0..", n - 1));
    if (valid == options.test_fold)
      throw InputError("train.valid_fold", cat(valid, " is also the test fold"));
    s.test_fold = options.test_fold;
    s.valid_fold = options.validation ? valid : -1;  // -1 matches no clip: all train
    for (std::size_t i = 0; i < clips.size(); ++i)
      parts[i] = clips[i].fold == s.test_fold    ? Part::Test
                 : clips[i].fold == s.valid_fold ? Part::Valid
                                                 : Part::Train;
  }
  // Speaker independence.
  std::vector<int> speaker_part(header.speaker_names.size(), -1);
  for (std::size_t i = 0; i < clips.size(); ++i) {
    const int sp = clips[i].speaker;
    CALMSPACE_CHECK(sp >= 0 && static_cast<std::size_t>(sp) < speaker_part.size(), "clip ", i,
                    " has speaker id ", sp, " of ", speaker_part.size());
    const int p = static_cast<int>(parts[i]);
    const bool may_share = s.source == "csv" && !options.speaker_independent;
    if (!may_share && speaker_part[sp] >= 0 && speaker_part[sp] != p)
      throw InputError(dataset_name,
                       cat("speaker '", header.speaker_names[sp], "' is in both the ",
                           part_name(static_cast<Part>(speaker_part[sp])), " and the ",
                           part_name(parts[i]), " split (evaluation must be speaker-independent)"));
    speaker_part[sp] = p;
    (parts[i] == Part::Train ? s.train : parts[i] == Part::Valid ? s.valid : s.test).push_back(i);
  }
  if (s.train.empty())
    throw InputError(dataset_name,
                     s.source == "csv"
                         ? std::string("the training split has no clips (no row says train)")
                         : cat("the training split has no clips: with ", header.num_folds,
                               " folds the test and validation folds take them all; train on every "
                               "fold but the test fold with train.validation=false"));
  return s;
}

Splits make_splits(const DatasetFile& dataset, const TrainOptions& options, FoldBy fold_by) {
  return make_splits(dataset.header(), dataset.clips(), options, dataset.path(), fold_by);
}

void check_config_folds(const DatasetHeader& header, const DataOptions& data,
                        const std::string& dataset_name) {
  if (data.folds.empty()) return;
  const auto& names = header.speaker_names;
  std::vector<int> listed(names.size(), -1);
  for (std::size_t k = 0; k < data.folds.size(); ++k)
    for (const auto& speaker : data.folds[k]) {
      const auto it = std::find(names.begin(), names.end(), speaker);
      if (it == names.end())
        throw InputError("data.folds", cat("speaker '", speaker, "' is not in ", dataset_name,
                                           "; its folds were fixed by prepare (drop data.folds, "
                                           "or prepare the dataset again with these folds)"));
      listed[static_cast<std::size_t>(it - names.begin())] = static_cast<int>(k);
    }
  for (std::size_t s = 0; s < names.size(); ++s)
    if (listed[s] != header.speaker_fold[s])
      throw InputError("data.folds",
                       cat("puts speaker '", names[s], "' in fold ", listed[s], " but ",
                           dataset_name, " has it in fold ", header.speaker_fold[s],
                           "; training uses the folds prepare stored (drop data.folds, or prepare "
                           "the dataset again with these folds)"));
}

int num_test_folds(const DatasetHeader& header, FoldBy fold_by) {
  return fold_by == FoldBy::Corpus ? static_cast<int>(header.corpus_names.size())
                                   : header.num_folds;
}

std::string test_fold_name(const DatasetHeader& header, FoldBy fold_by, int k) {
  if (fold_by == FoldBy::Corpus && k >= 0 && k < static_cast<int>(header.corpus_names.size()))
    return header.corpus_names[k];
  return cat("fold ", k);
}

}  // namespace calmspace
