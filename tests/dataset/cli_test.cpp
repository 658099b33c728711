// `calmspace prepare` and `calmspace info` as a user runs them: the built binary on a small fake
// corpus, and on bad arguments and bad files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dataset/sound_fixtures.h"

namespace calmspace {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ScratchDir;
namespace fs = std::filesystem;

std::string calmspace() {
  return "'" + testing::calmspace_binary().string() + "'";
}

int run(const std::string& args, std::string* out) {
  return testing::run_command(calmspace() + " " + args, out);
}

// A usage error (missing or unknown argument) exits with 2, as tools/main.cpp documents.
bool usage_error(int rc) {
  return rc == 2;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Cli, PrepareThenInfoOnAFakeRavdess) {
  ScratchDir dir;
  const auto root = dir / "corpus";
  testing::make_ravdess_tree(root, {1, 2, 3}, ".wav", 48000, 0.1);
  testing::put_file(root / "Actor_01" / "03-01-01-01-01-01-01.txt", "notes");
  testing::put_file(root / "Actor_02" / "03-01-03-02-01-01-02.wav", "broken");
  const auto out = dir / "r.h5";
  std::string text;
  ASSERT_EQ(run("prepare ravdess --root " + root.string() + " --out " + out.string() +
                    " data.num_folds=3 data.num_threads=2",
                &text),
            0)
      << text;
  EXPECT_THAT(text, HasSubstr("prepared 24 clips"));
  EXPECT_THAT(text, HasSubstr("skipped " + (root / "Actor_01/03-01-01-01-01-01-01.txt").string() +
                              ": not a .wav or .flac file"));
  EXPECT_THAT(text,
              HasSubstr("skipped " + (root / "Actor_02/03-01-03-02-01-01-02.wav").string() + ": "));
  EXPECT_THAT(text, HasSubstr("skipped 2 (1 by name, 1 failed to decode)"));
  ASSERT_TRUE(fs::exists(out));
  const std::string report = read_text(out.string() + ".report.json");
  EXPECT_THAT(report, AllOf(HasSubstr("\"clips_written\": 24"), HasSubstr("\"skipped_count\": 2"),
                            HasSubstr("03-01-03-02-01-01-02.wav")));
  const std::string config = read_text(out.string() + ".config.yaml");
  EXPECT_THAT(config, HasSubstr("num_folds: 3"));

  ASSERT_EQ(run("info " + out.string(), &text), 0) << text;
  EXPECT_THAT(text, HasSubstr("schema version: 1"));
  EXPECT_THAT(text, HasSubstr("sample rate:    16000 Hz"));
  EXPECT_THAT(text, HasSubstr("24 clips, 2.4 s"));
  EXPECT_THAT(text, HasSubstr("labels (8):"));
  EXPECT_THAT(text, ::testing::ContainsRegex("neutral +3 clips +0.3 s"));
  EXPECT_THAT(text, ::testing::ContainsRegex("02 \\(fold 1\\) +8 clips"));
  EXPECT_THAT(text, ::testing::ContainsRegex("fold 2 +8 clips"));
  EXPECT_THAT(text, HasSubstr("speakers: 03"));
  EXPECT_THAT(text, HasSubstr("feature sets:   none"));
}

TEST(Cli, PrepareCsvManifestWithConfigFile) {
  ScratchDir dir;
  testing::write_sound(dir / "clips/a.flac", testing::tone(0, 0.2, 22050), 22050);
  testing::write_sound(dir / "clips/b.wav", testing::tone(1, 0.2, 8000), 8000);
  testing::put_file(
      dir / "m.csv",
      "path,label,speaker,split\n\"clips/a.flac\",joy,A,train\nclips/b.wav,anger,B,test\n");
  testing::put_file(dir / "c.yaml", "data:\n  folds: [[A], [B]]\n");
  std::string text;
  ASSERT_EQ(run("prepare csv --root " + (dir / "m.csv").string() + " --out " +
                    (dir / "m.h5").string() + " --config " + (dir / "c.yaml").string(),
                &text),
            0)
      << text;
  ASSERT_EQ(run("info " + (dir / "m.h5").string(), &text), 0) << text;
  EXPECT_THAT(text, AllOf(HasSubstr("labels (2):"), HasSubstr("splits:"),
                          HasSubstr("train: 1 clips"), HasSubstr("corpus:         csv")));
}

TEST(Cli, MergeTwoPreparedCorporaThenInfoShowsThem) {
  ScratchDir dir;
  testing::make_ravdess_tree(dir / "ravdess", {1, 2, 3}, ".wav", 16000, 0.1);
  testing::write_sound(dir / "other/a.flac", testing::tone(0, 0.2, 16000), 16000);
  testing::write_sound(dir / "other/b.flac", testing::tone(1, 0.2, 16000), 16000);
  testing::write_sound(dir / "other/c.flac", testing::tone(2, 0.2, 16000), 16000);
  testing::put_file(dir / "other/m.csv",
                    "path,label,speaker\na.flac,ps,A\nb.flac,Fear,B\nc.flac,boredom,B\n");
  std::string text;
  ASSERT_EQ(run("prepare ravdess --root " + (dir / "ravdess").string() + " --out " +
                    (dir / "ravdess.h5").string() + " data.num_folds=3",
                &text),
            0)
      << text;
  ASSERT_EQ(run("prepare csv --root " + (dir / "other/m.csv").string() + " --out " +
                    (dir / "other.h5").string() + " data.num_folds=2",
                &text),
            0)
      << text;
  ASSERT_EQ(run("merge " + (dir / "ravdess.h5").string() + " " + (dir / "other.h5").string() +
                    " --out " + (dir / "all.h5").string() + " data.num_folds=3",
                &text),
            0)
      << text;
  EXPECT_THAT(text,
              HasSubstr("other          2 of     3 clips,   2 speakers; dropped 1 'boredom'"));
  EXPECT_THAT(read_text(dir / "all.h5.report.json"), HasSubstr("\"ps\": \"surprised\""));
  ASSERT_EQ(run("info " + (dir / "all.h5").string(), &text), 0) << text;
  EXPECT_THAT(text, AllOf(HasSubstr("corpora (2):"), HasSubstr("corpus:         merged"),
                          ::testing::ContainsRegex("other +2 clips"),
                          ::testing::ContainsRegex("ravdess/01 \\(fold 0\\) +8 clips"),
                          HasSubstr("other/A (fold")));
  // One input: nothing to merge.
  EXPECT_EQ(
      run("merge " + (dir / "ravdess.h5").string() + " --out " + (dir / "x.h5").string(), &text),
      1);
  EXPECT_THAT(text, HasSubstr("needs at least two dataset files"));
  EXPECT_FALSE(fs::exists(dir / "x.h5"));
}

TEST(Cli, PrepareBadArguments) {
  ScratchDir dir;
  std::string text;
  EXPECT_TRUE(usage_error(run("prepare ravdess --out " + (dir / "x.h5").string(), &text))) << text;
  EXPECT_THAT(text, HasSubstr("--root"));
  EXPECT_TRUE(usage_error(
      run("prepare iemocap --root " + dir.path().string() + " --out " + (dir / "x.h5").string(),
          &text)))
      << text;
  EXPECT_THAT(text, HasSubstr("iemocap"));
  EXPECT_EQ(run("prepare ravdess --root " + (dir / "absent").string() + " --out " +
                    (dir / "x.h5").string(),
                &text),
            1);
  EXPECT_THAT(text, AllOf(HasSubstr("calmspace: error: "), HasSubstr("no such folder")));
  // An empty corpus: nothing to write.
  fs::create_directories(dir / "empty");
  EXPECT_EQ(run("prepare tess --root " + (dir / "empty").string() + " --out " +
                    (dir / "x.h5").string() + " data.num_folds=2",
                &text),
            1);
  EXPECT_THAT(text, HasSubstr("no tess clips found"));
  EXPECT_EQ(run("prepare ravdess --root " + dir.path().string() + " --out x.h5 data.nope=1", &text),
            1);
  EXPECT_THAT(text, HasSubstr("data.nope"));
  EXPECT_FALSE(fs::exists(dir / "x.h5"));
}

TEST(Cli, PrepareFailureLeavesNoOutput) {
  ScratchDir dir;
  const auto root = dir / "corpus";
  testing::make_ravdess_tree(root, {1, 2}, ".flac", 16000, 0.05);
  fs::create_directories(dir / "out");
  std::string text;
  EXPECT_EQ(run("prepare ravdess --root " + root.string() + " --out " +
                    (dir / "out/x.h5").string() + " 'data.folds=[[\"01\"]]'",
                &text),
            1);
  EXPECT_THAT(text, AllOf(HasSubstr("data.folds"), HasSubstr("'02'")));
  EXPECT_TRUE(fs::is_empty(dir / "out"));
}

TEST(Cli, InfoOnBadFilesIsOneErrorLine) {
  ScratchDir dir;
  testing::put_file(dir / "notes.h5", "plain text\n");
  for (const auto& [file, reason] : std::vector<std::pair<fs::path, std::string>>{
           {dir / "notes.h5", "not an HDF5 file"}, {dir / "absent.h5", "no such file"}}) {
    std::string text;
    EXPECT_EQ(run("info " + file.string(), &text), 1) << text;
    EXPECT_THAT(text, ::testing::StartsWith("calmspace: error: " + file.string() + ": "));
    EXPECT_THAT(text, HasSubstr(reason));
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  }
  std::string text;
  EXPECT_TRUE(usage_error(run("info", &text))) << text;
}

}  // namespace
}  // namespace calmspace
