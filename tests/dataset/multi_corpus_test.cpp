// Multi-corpus datasets: the label map, merging corpora into one file (corpus ids, namespaced
// speakers, one label set, dropped labels counted, folds within corpora), leave-one-corpus-out
// splits, the shared classes a corpus is scored on, and that h5py reads a merged file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>

#include "core/base/error.h"
#include "core/dataset/batching.h"
#include "core/dataset/dataset_file.h"
#include "core/dataset/label_map.h"
#include "core/dataset/merge.h"
#include "core/dataset/splits.h"
#include "core/eval/evaluate.h"
#include "core/train/trainer.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ScratchDir;

TEST(LabelMap, MapsTheCorporasSynonymsToCanonicalNames) {
  const LabelMap map;
  EXPECT_EQ(map.canonical("ps"), "surprised");
  EXPECT_EQ(map.canonical("pleasant_surprise"), "surprised");
  EXPECT_EQ(map.canonical("Fear"), "fearful");
  EXPECT_EQ(map.canonical("angry"), "angry");
  EXPECT_EQ(map.canonical("boredom"), "boredom");  // unknown: itself, lower-cased
}

TEST(LabelMap, UserSynonymsComeFirst) {
  const LabelMap map({{"ps", "happy"}, {"Boredom", "neutral"}});
  EXPECT_EQ(map.canonical("ps"), "happy");
  EXPECT_EQ(map.canonical("boredom"), "neutral");
  EXPECT_EQ(map.canonical("fear"), "fearful");
}

TEST(LabelMap, AlignsByCanonicalName) {
  const LabelMap map;
  EXPECT_THAT(
      map.align({"angry", "ps", "fear", "boredom"},
                {"neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"}),
      ElementsAre(4, 7, 5, -1));
}

TEST(LabelMap, MergedSetIsTheCanonicalLabelsPresentInCanonicalOrder) {
  const LabelMap map;
  EXPECT_THAT(merged_label_set(map, {{"sad", "ps", "zzz"}, {"fear", "neutral"}}),
              ElementsAre("neutral", "sad", "fearful", "surprised"));
  EXPECT_THAT(merged_label_set(map, {{"sad", "zzz"}}, {"sad", "zzz"}), ElementsAre("sad", "zzz"));
  EXPECT_THAT(merged_label_set(map, {{"sad", "ps"}}, {"ps", "sad"}),
              ElementsAre("surprised", "sad"));
}

// A one-corpus dataset file: `speakers` speakers x labels x 2 clips of noise whose length
// encodes (speaker, label, k), so merged clips can be traced back.
void write_corpus(const std::string& path, const std::string& corpus,
                  const std::vector<std::string>& labels, int speakers, int num_folds,
                  int sample_rate = 16000) {
  DatasetHeader h;
  h.corpus = corpus;
  h.root = "/corpora/" + corpus;
  h.sample_rate = sample_rate;
  h.label_names = labels;
  for (int s = 0; s < speakers; ++s) {
    h.speaker_names.push_back(cat("s", s));
    h.speaker_fold.push_back(s % num_folds);
  }
  h.num_folds = num_folds;
  DatasetWriter w(path, h);
  for (int s = 0; s < speakers; ++s)
    for (int l = 0; l < static_cast<int>(labels.size()); ++l)
      for (int k = 0; k < 2; ++k) {
        ClipInfo c;
        c.label = l;
        c.speaker = s;
        c.fold = h.speaker_fold[s];
        c.utterance_id = cat(corpus, "_", s, "_", labels[l], "_", k);
        c.path = cat("s", s, "/", labels[l], "_", k, ".flac");
        w.append(c, testing::white_noise(100 + 10 * s + l * 2 + k, 0.1, 7 + s * 31 + l * 5 + k));
      }
  w.close();
}

struct Merged {
  ScratchDir dir;
  std::string a, b, out;
  MergeReport report;
  Merged() {
    a = (dir / "ravdess.h5").string();
    b = (dir / "tess_like.h5").string();  // a CSV corpus: named after its file
    out = (dir / "all.h5").string();
    write_corpus(a, "ravdess", {"neutral", "happy", "fear"}, 12, 6);
    write_corpus(b, "csv", {"happy", "ps", "boredom"}, 2, 2);
    Config config;
    config.data.num_folds = 6;
    report = merge_datasets({a, b}, config, out);
  }
};

TEST(Merge, OneLabelSetCorpusIdsAndNamespacedSpeakers) {
  Merged m;
  const DatasetFile f(m.out);
  EXPECT_EQ(f.header().corpus, "merged");
  EXPECT_THAT(f.header().corpus_names, ElementsAre("ravdess", "tess_like"));
  EXPECT_THAT(f.label_names(), ElementsAre("neutral", "happy", "fearful", "surprised"));
  ASSERT_EQ(f.speaker_names().size(), 14u);
  EXPECT_EQ(f.speaker_names()[0], "ravdess/s0");
  EXPECT_EQ(f.speaker_names().back(), "tess_like/s1");
  // 12 x 3 x 2 RAVDESS-like clips, then 2 x 2 x 2 of the other (boredom dropped).
  ASSERT_EQ(f.size(), 72u + 8u);
  const DatasetFile a(m.a), b(m.b);
  for (std::size_t i = 0; i < a.size(); ++i) {
    const ClipInfo& c = f.clips()[i];
    EXPECT_EQ(c.corpus, 0);
    EXPECT_EQ(f.label_names()[c.label], LabelMap().canonical(a.label_names()[a.clips()[i].label]));
    EXPECT_EQ(f.speaker_names()[c.speaker], "ravdess/" + a.speaker_names()[a.clips()[i].speaker]);
    EXPECT_EQ(f.waveform(i), a.waveform(i));
    EXPECT_EQ(c.path, "/corpora/ravdess/" + a.clips()[i].path);
  }
  std::size_t j = a.size();
  for (std::size_t i = 0; i < b.size(); ++i) {
    const std::string label = b.label_names()[b.clips()[i].label];
    if (label == "boredom") continue;
    const ClipInfo& c = f.clips()[j];
    EXPECT_EQ(c.corpus, 1);
    EXPECT_EQ(f.label_names()[c.label], label == "ps" ? "surprised" : label);
    EXPECT_EQ(f.waveform(j), b.waveform(i));
    ++j;
  }
  ASSERT_EQ(m.report.corpora.size(), 2u);
  EXPECT_EQ(m.report.corpora[1].dropped_labels.at("boredom"), 4);
  EXPECT_EQ(m.report.corpora[1].label_mapping.at("ps"), "surprised");
  EXPECT_EQ(m.report.corpora[1].clips_written, 8);
  const auto j_report = nlohmann::json::parse(m.report.to_json());
  EXPECT_EQ(j_report["corpora"][1]["dropped_labels"]["boredom"], 4);
}

TEST(Merge, FoldsAreSpeakerGroupsWithinEachCorpus) {
  Merged m;
  const DatasetFile f(m.out);
  EXPECT_EQ(f.header().num_folds, 6);
  std::map<std::string, int> fold;
  for (std::size_t s = 0; s < f.speaker_names().size(); ++s)
    fold[f.speaker_names()[s]] = f.header().speaker_fold[s];
  // 12 speakers in 6 folds: s0,s1 | s10,s11 | s2,s3 ... in sorted-name order, two per fold.
  std::map<int, int> per_fold;
  for (const auto& [name, k] : fold)
    if (name.rfind("ravdess/", 0) == 0) ++per_fold[k];
  for (int k = 0; k < 6; ++k) EXPECT_EQ(per_fold[k], 2) << "fold " << k;
  EXPECT_EQ(fold["tess_like/s0"], 2);  // 2 speakers over 6 folds: [f*2/6, (f+1)*2/6)
  EXPECT_EQ(fold["tess_like/s1"], 5);
  for (const ClipInfo& c : f.clips()) EXPECT_EQ(c.fold, f.header().speaker_fold[c.speaker]);
}

TEST(Merge, RejectsMismatchedRatesAndTheSameCorpusTwice) {
  ScratchDir dir;
  const auto a = (dir / "a.h5").string(), b = (dir / "b.h5").string();
  write_corpus(a, "ravdess", {"happy", "sad"}, 2, 2);
  write_corpus(b, "ravdess", {"happy", "sad"}, 2, 2);
  try {
    merge_datasets({a, b}, Config{}, (dir / "out.h5").string());
    FAIL() << "merged one corpus twice";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), b);
    EXPECT_THAT(e.reason(), HasSubstr("already"));
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out.h5"));
  write_corpus(b, "tess", {"happy", "sad"}, 2, 2, 8000);
  try {
    merge_datasets({a, b}, Config{}, (dir / "out.h5").string());
    FAIL() << "merged two sample rates";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), b);
    EXPECT_THAT(e.reason(), HasSubstr("8000 Hz"));
  }
  Config only_anger;
  only_anger.data.labels = {"angry"};
  write_corpus(b, "tess", {"happy", "sad"}, 2, 2);
  EXPECT_THROW(merge_datasets({a, b}, only_anger, (dir / "out.h5").string()), InputError);
  EXPECT_FALSE(std::filesystem::exists(dir / "out.h5"));
}

TEST(LeaveOneCorpusOut, TestsOneCorpusAndValidatesOnOthersSpeakerFold) {
  Merged m;
  const DatasetFile f(m.out);
  EXPECT_EQ(num_test_folds(f.header(), FoldBy::Corpus), 2);
  EXPECT_EQ(test_fold_name(f.header(), FoldBy::Corpus, 1), "tess_like");
  for (int k = 0; k < 2; ++k) {
    TrainOptions t;
    t.test_fold = k;
    const Splits s = make_splits(f, t, FoldBy::Corpus);
    EXPECT_EQ(s.source, "corpus");
    std::set<std::size_t> test(s.test.begin(), s.test.end());
    for (std::size_t i = 0; i < f.size(); ++i)
      EXPECT_EQ(test.count(i) == 1, f.clips()[i].corpus == k) << "clip " << i;
    for (std::size_t i : s.valid) {
      EXPECT_NE(f.clips()[i].corpus, k);
      EXPECT_EQ(f.clips()[i].fold, (k + 1) % 6);
    }
    EXPECT_FALSE(s.train.empty());
    EXPECT_EQ(s.train.size() + s.valid.size() + s.test.size(), f.size());
  }
  TrainOptions out_of_range;
  out_of_range.test_fold = 2;
  EXPECT_THROW(make_splits(f, out_of_range, FoldBy::Corpus), InputError);
  const DatasetFile one(m.a);  // one corpus: nothing to leave out
  EXPECT_THROW(make_splits(one, TrainOptions{}, FoldBy::Corpus), InputError);
}

TEST(SharedClasses, ACorpusIsScoredOnTheClassesItHas) {
  Merged m;
  const DatasetFile f(m.out);
  std::vector<std::size_t> tess_clip, ravdess_clip;
  for (std::size_t i = 0; i < f.size(); ++i)
    (f.clips()[i].corpus == 1 ? tess_clip : ravdess_clip).push_back(i);
  // Only one clip of the corpus still scores every class the corpus has.
  EXPECT_THAT(scored_classes(f, std::span(tess_clip).first(1)), ElementsAre(1, 3));
  EXPECT_THAT(scored_classes(f, ravdess_clip), ElementsAre(0, 1, 2));
  // Through a map to a model's classes (dataset label -> model class; -1 = none).
  const std::vector<int> to_model = {-1, 4, 0, 2};
  EXPECT_THAT(scored_classes(f, tess_clip, to_model), ElementsAre(2, 4));
  // Leave one corpus out: held-out RAVDESS-like has neutral and fearful, which no clip of the
  // other corpus teaches; only happy is shared. The other way round, surprised is not.
  EXPECT_THAT(shared_trained_classes(f, tess_clip, ravdess_clip), ElementsAre(1));
  EXPECT_THAT(shared_trained_classes(f, ravdess_clip, tess_clip), ElementsAre(1));
  EXPECT_THAT(shared_trained_classes(f, ravdess_clip, ravdess_clip), ElementsAre(0, 1, 2));
}

// Training with a corpus held out whose classes the others do not all teach (RAVDESS's calm left
// out): the test report scores the shared classes only, on the clips of those classes, and counts
// the clips left out (this crashed after training: a calm clip's class was "not scored").
TEST(LeaveOneCorpusOut, TheReportScoresTheHeldOutCorpusOnTheClassesTrainingTaught) {
  Merged m;
  const DatasetFile f(m.out);
  Config config;
  config.features.n_mels = 8;
  config.model.hidden_size = 4;
  config.model.num_layers = 1;
  config.train.epochs = 1;
  config.train.batch_size = 8;
  config.train.validation = false;
  config.train.num_threads = 1;
  config.train.test_fold = 0;  // the RAVDESS-like corpus: neutral, happy, fearful
  config.data.fold_by = FoldBy::Corpus;
  const std::string run = (m.dir / "run").string();
  train_model(f, config, run, /*resume=*/false);
  const auto report = nlohmann::json::parse(std::ifstream(m.dir / "run" / "report.json"));
  EXPECT_EQ(report["test_corpus"], "ravdess");
  // Model classes not scored: the two never taught, and surprised, which the held-out corpus lacks.
  EXPECT_THAT(report["classes_left_out"], ElementsAre("neutral", "fearful", "surprised"));
  // 12 speakers x 2 clips of each class left out; the 24 happy clips are scored.
  EXPECT_EQ(report["clips_left_out"]["neutral"], 24);
  EXPECT_EQ(report["clips_left_out"]["fearful"], 24);
  EXPECT_EQ(report["clips"], 24);
}

TEST(BalancedSampling, EveryGroupIsDrawnEquallyOften) {
  std::vector<int> group(10000, 0);
  for (std::size_t p = 9000; p < group.size(); ++p) group[p] = 3;  // a small group
  const auto drawn = balanced_draw(group, 1, 0);
  ASSERT_EQ(drawn.size(), group.size());
  int small = 0;
  for (std::size_t p : drawn) small += group[p] == 3;
  // Binomial(10000, 0.5): standard deviation 50; 500 is ten of them.
  EXPECT_GT(small, 4500);
  EXPECT_LT(small, 5500);
  EXPECT_EQ(drawn, balanced_draw(group, 1, 0));  // reproducible
  EXPECT_NE(drawn, balanced_draw(group, 1, 1));  // another epoch, another draw
}

// python3 with h5py (Debian's python3-h5py lives under /usr/bin/python3).
std::string python_with_h5py() {
  for (const char* py : {"/usr/bin/python3", "python3"})
    if (testing::run_command(std::string(py) + " -c 'import h5py'", nullptr) == 0) return py;
  return "";
}

TEST(Merge, TheMergedFileOpensInH5py) {
  const std::string py = python_with_h5py();
  if (py.empty()) GTEST_SKIP() << "no python3 with h5py";
  Merged m;
  const auto script = m.dir / "read.py";
  testing::write_file(script,
                      "import sys, h5py\n"
                      "f = h5py.File(sys.argv[1], 'r')\n"
                      "names = list(f['corpora/names'].asstr()[:])\n"
                      "corpus = f['clips/corpus'][:]\n"
                      "speakers = f['speakers/names'].asstr()[:]\n"
                      "sp = f['clips/speaker'][:]\n"
                      "print(' '.join(names), len(corpus), int((corpus == 1).sum()),\n"
                      "      speakers[sp[-1]], f['waveforms'].shape[0] > 0)\n");
  std::string out;
  ASSERT_EQ(testing::run_command(py + " " + script.string() + " " + m.out, &out), 0) << out;
  EXPECT_EQ(out, "ravdess tess_like 80 8 tess_like/s1 True\n");
}

}  // namespace
}  // namespace calmspace
