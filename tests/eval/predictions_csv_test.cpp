// eval's per-clip predictions (core/eval/predictions_csv.h): one row per scored clip, naming it,
// with probabilities over the scored classes that sum to 1, the argmax as the prediction, and
// rows that agree with the evaluation's own metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "core/dataset/dataset_file.h"
#include "core/eval/evaluate.h"
#include "core/eval/predictions_csv.h"
#include "support/model_fixtures.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::ElementsAre;

// RFC 4180 lines without line breaks inside fields: enough for the rows written here.
std::vector<std::string> parse_line(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::vector<std::vector<std::string>> parse(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) rows.push_back(parse_line(line));
  return rows;
}

// Two speakers x {sad, angry, boredom} x 2 takes; boredom is not a class of the fixture model.
std::string write_dataset(const testing::ScratchDir& dir) {
  const auto path = (dir / "voices.h5").string();
  DatasetHeader h;
  h.corpus = "voices";
  h.sample_rate = 16000;
  h.label_names = {"sad", "angry", "boredom"};
  h.speaker_names = {"a", "b"};
  h.speaker_fold = {0, 1};
  h.num_folds = 2;
  DatasetWriter w(path, h);
  std::uint64_t seed = 11;
  for (int s = 0; s < 2; ++s)
    for (int l = 0; l < 3; ++l)
      for (int k = 0; k < 2; ++k) {
        ClipInfo c;
        c.label = l;
        c.speaker = s;
        c.fold = s;
        c.utterance_id = cat(h.speaker_names[s], "-", h.label_names[l], "-", k);
        c.path = cat("speaker ", h.speaker_names[s], ", \"take\" ", k, ".wav");
        w.append(c, testing::voice_like(0.5 + 0.2 * k + 0.1 * l, 16000, seed++));
      }
  w.close();
  return path;
}

TEST(PredictionsCsv, ARowPerScoredClipWithProbabilitiesOverTheScoredClasses) {
  testing::ScratchDir dir;
  const DatasetFile data(write_dataset(dir));
  const Checkpoint model = testing::fixture_checkpoint();  // the eight RAVDESS classes
  const std::vector<Checkpoint> members{model};
  const Evaluation e = evaluate_checkpoints(data, members, "auto", 1);
  ASSERT_EQ(e.metrics.clips, 8);  // boredom's 4 clips are left out
  const auto rows = parse(predictions_csv(data, e, model.labels));
  ASSERT_EQ(rows.size(), 9u);
  const std::vector<std::string>& header = rows[0];
  ASSERT_EQ(header.size(), 8 + model.labels.size());
  EXPECT_THAT(std::vector<std::string>(header.begin(), header.begin() + 8),
              ElementsAre("utterance_id", "path", "corpus", "speaker", "label", "predicted",
                          "confidence", "correct"));
  EXPECT_EQ(header[8], "p_" + model.labels[0]);

  std::int64_t correct = 0;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    ASSERT_EQ(row.size(), header.size()) << "row " << r;
    // The clip named: utterance id, the quoted path read back whole, corpus and speaker.
    const std::string speaker = row[3];
    EXPECT_EQ(row[0].substr(0, 2), speaker + "-");
    EXPECT_EQ(row[1].substr(0, 10), "speaker " + speaker + ",");
    EXPECT_NE(row[1].find("\"take\""), std::string::npos) << row[1];
    EXPECT_EQ(row[2], "voices");
    EXPECT_TRUE(row[4] == "sad" || row[4] == "angry") << row[4];
    EXPECT_NE(row[0].find(row[4]), std::string::npos) << "the label is the clip's own";
    // Probabilities: only the scored classes (sad, angry) have one; they sum to 1, the
    // prediction is their argmax and the confidence its probability.
    double sum = 0, best = -1;
    std::string argmax;
    for (std::size_t c = 0; c < model.labels.size(); ++c) {
      const std::string& cell = row[8 + c];
      const bool scored = model.labels[c] == "sad" || model.labels[c] == "angry";
      ASSERT_EQ(cell.empty(), !scored) << model.labels[c] << " in row " << r;
      if (!scored) continue;
      const double p = std::stod(cell);
      EXPECT_GE(p, 0.0);
      sum += p;
      if (p > best) best = p, argmax = model.labels[c];
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
    EXPECT_EQ(row[5], argmax);
    EXPECT_NEAR(std::stod(row[6]), best, 1e-6);
    EXPECT_EQ(row[7], row[4] == row[5] ? "1" : "0");
    correct += row[7] == "1";
  }
  // The rows add up to the evaluation's own accuracy.
  EXPECT_NEAR(static_cast<double>(correct) / 8.0, e.metrics.wa, 1e-12);
}

TEST(PredictionsCsv, NeedsTheClipsOfACheckpointEvaluation) {
  testing::ScratchDir dir;
  const DatasetFile data(write_dataset(dir));
  const Checkpoint model = testing::fixture_checkpoint();
  Evaluation e = evaluate_checkpoint(data, model, "auto", 1);
  EXPECT_EQ(e.clips.size(), static_cast<std::size_t>(e.metrics.clips));
  e.clips.clear();  // as an evaluation of features at hand has
  EXPECT_THROW(predictions_csv(data, e, model.labels), std::exception);
}

}  // namespace
}  // namespace calmspace
