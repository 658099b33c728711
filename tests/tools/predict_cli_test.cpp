// `calmspace predict` as people expect it (issue 19): several inputs and `-` for standard input,
// --top-k with the Hugging Face [{"label", "score"}] list, --format table|json|jsonl|csv to
// standard output or a file whose extension must agree, --quiet, the exit status when inputs are
// skipped, the model's reliability sentence with every result, and a CalmSpace ONNX export as the
// model.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/run/checkpoint.h"
#include "support/model_fixtures.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class PredictCli : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_fixture_model(dir_ / "model.h5", "# fixture\n");
    testing::write_tone_wav(dir_ / "a.wav", 220.0, 1.5);
    testing::write_tone_wav(dir_ / "b.wav", 900.0, 1.0);
  }
  // Runs predict with `args` after the model; stdout and stderr together unless `stdout_only`.
  int predict(const std::string& args, std::string* out, bool stdout_only = false) {
    const std::string command = testing::calmspace_binary().string() + " predict --model " +
                                (dir_ / "model.h5").string() + " " + args;
    return testing::run_command(stdout_only ? "{ " + command + " 2>/dev/null; }" : command, out);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  testing::ScratchDir dir_;
};

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST_F(PredictCli, StandardInputGivesTheSamePredictionAsTheFile) {
  std::string from_file, from_stdin;
  ASSERT_EQ(predict(path("a.wav") + " --format jsonl", &from_file, true), 0) << from_file;
  ASSERT_EQ(predict("- --format jsonl < " + path("a.wav"), &from_stdin, true), 0) << from_stdin;
  const auto a = json_lines(from_file), b = json_lines(from_stdin);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0]["file"], "-");
  EXPECT_EQ(a[0]["probabilities"], b[0]["probabilities"]);
  EXPECT_EQ(a[0]["duration_s"], b[0]["duration_s"]);
  std::string out;
  EXPECT_EQ(predict("- - < " + path("a.wav"), &out), 2) << out;  // bad usage: stdin twice
  EXPECT_THAT(out, HasSubstr("standard input can be read only once"));
  EXPECT_EQ(predict("- < /dev/null", &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("skipped standard input: is empty"));
}

TEST_F(PredictCli, TopKListsTheLikeliestClassesFirstAsLabelScorePairs) {
  std::string out;
  ASSERT_EQ(predict(path("a.wav") + " --top-k 3 --out " + path("k.json"), &out), 0) << out;
  const auto j = nlohmann::json::parse(std::ifstream(dir_ / "k.json"));
  const auto& p = j["predictions"][0];
  ASSERT_EQ(p["scores"].size(), 3u);
  EXPECT_EQ(p["scores"][0]["label"], p["predicted"]);
  for (int k = 0; k < 3; ++k) {
    const auto& s = p["scores"][k];
    EXPECT_EQ(s["score"], p["probabilities"][s["label"].get<std::string>()]);
    if (k > 0) {
      EXPECT_LE(s["score"].get<double>(), p["scores"][k - 1]["score"].get<double>());
    }
  }
  ASSERT_EQ(predict(path("a.wav") + " --top-k 0 --format json", &out, true), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["predictions"][0]["scores"].size(),
            testing::kRavdessLabels.size());
  // The table lists as many emotion-score pairs as asked.
  ASSERT_EQ(predict(path("a.wav") + " --top-k 2", &out, true), 0) << out;
  EXPECT_THAT(out, HasSubstr("top 2 (emotion score)"));
  EXPECT_THAT(out, HasSubstr(p["scores"][1]["label"].get<std::string>()));
}

TEST_F(PredictCli, JsonLinesHaveOneLinePerInputAndNameTheSkippedOnes) {
  std::string out;
  EXPECT_EQ(
      predict(path("a.wav") + " " + path("missing.wav") + " " + path("b.wav") + " --format jsonl",
              &out, true),
      1);  // one input skipped: the exit status says so
  const auto lines = json_lines(out);
  ASSERT_EQ(lines.size(), 3u) << out;
  EXPECT_EQ(lines[0]["file"], path("a.wav"));
  EXPECT_EQ(lines[1]["file"], path("missing.wav"));
  EXPECT_TRUE(lines[1].contains("skipped"));
  EXPECT_FALSE(lines[1].contains("predicted"));
  EXPECT_EQ(lines[2]["file"], path("b.wav"));
  EXPECT_TRUE(lines[2].contains("certainty"));
}

TEST_F(PredictCli, CsvGoesToStandardOutputWithItsHeader) {
  std::string out;
  ASSERT_EQ(predict(path("a.wav") + " " + path("b.wav") + " --format csv", &out, true), 0);
  EXPECT_EQ(out.rfind("file,scope,start_s,end_s,predicted,neutral,", 0), 0u) << out;
  EXPECT_THAT(out, HasSubstr(path("b.wav") + ",file,"));
}

TEST_F(PredictCli, FormatAndFileNameMustAgree) {
  std::string out;
  // A contradictory command line is a usage error: exit status 2, nothing written.
  EXPECT_EQ(predict(path("a.wav") + " --format json --out " + path("x.csv"), &out), 2);
  EXPECT_THAT(out, HasSubstr("is named as csv but --format is json"));
  EXPECT_EQ(predict(path("a.wav") + " --out " + path("x.txt"), &out), 2);
  EXPECT_THAT(out, HasSubstr("must end in .json, .jsonl or .csv"));
  EXPECT_EQ(predict(path("a.wav") + " --format table --out " + path("x.json"), &out), 2);
  EXPECT_FALSE(fs::exists(dir_ / "x.csv") || fs::exists(dir_ / "x.txt") ||
               fs::exists(dir_ / "x.json"));
  EXPECT_EQ(predict(path("a.wav") + " --format yaml", &out), 2);  // not a format: bad usage
  ASSERT_EQ(predict(path("a.wav") + " --out " + path("y.jsonl"), &out), 0) << out;
  std::ifstream in(dir_ / "y.jsonl");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(json_lines(text.str()).size(), 1u);
}

TEST_F(PredictCli, AnOnnxExportPredictsAsItsCheckpointAndAnythingElseIsNamed) {
  const std::string bin = testing::calmspace_binary().string();
  std::string out, from_h5, from_onnx;
  // The fixture's snip-edge framing has no audio front-end in ONNX: the features export
  // (OnnxImport.* in tests/export cover the audio one).
  ASSERT_EQ(testing::run_command(
                bin + " export " + path("model.h5") + " --out " + path("model.onnx"), &out),
            0)
      << out;
  ASSERT_EQ(predict(path("a.wav") + " --format jsonl", &from_h5, true), 0) << from_h5;
  ASSERT_EQ(testing::run_command("{ " + bin + " predict --model " + path("model.onnx") + " " +
                                     path("a.wav") + " --format jsonl 2>/dev/null; }",
                                 &from_onnx),
            0)
      << from_onnx;
  const auto a = json_lines(from_h5), b = json_lines(from_onnx);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0]["probabilities"], b[0]["probabilities"]);  // bit for bit, as JSON prints them
  EXPECT_EQ(a[0]["predicted"], b[0]["predicted"]);
  testing::write_file(dir_ / "junk.onnx", "not an ONNX model at all");
  EXPECT_EQ(testing::run_command(
                bin + " predict " + path("a.wav") + " --model " + path("junk.onnx"), &out),
            1);
  EXPECT_THAT(out, HasSubstr(path("junk.onnx") + ": not an ONNX model"));
}

TEST_F(PredictCli, NumbersOutOfRangeAreRefusedNotIgnored) {
  std::string out;
  EXPECT_EQ(predict(path("a.wav") + " --threads -5", &out), 2) << out;
  EXPECT_THAT(out, HasSubstr("--threads"));
  EXPECT_EQ(predict(path("a.wav") + " --window inf", &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("must be finite numbers of seconds > 0"));
  EXPECT_EQ(testing::run_command(testing::calmspace_binary().string() + " eval " +
                                     path("model.h5") + " --data x.h5 --threads -5",
                                 &out),
            2)
      << out;
}

TEST_F(PredictCli, TheTableHasAHeaderAndTheModelsReliabilityAndQuietSilencesTheSummary) {
  std::string out;
  ASSERT_EQ(predict(path("a.wav") + " " + path("b.wav"), &out), 0) << out;
  EXPECT_EQ(out.rfind("file ", 0), 0u) << out;
  EXPECT_THAT(out, HasSubstr("emotion     score"));
  // The fixture model was never measured on other corpora, and says so.
  EXPECT_THAT(out, HasSubstr("has not been measured"));
  EXPECT_THAT(out, HasSubstr("predicted 2 input(s), skipped 0"));
  ASSERT_EQ(predict(path("a.wav") + " --quiet", &out), 0) << out;
  EXPECT_THAT(out, Not(HasSubstr("predicted 1 input(s)")));
  EXPECT_EQ(predict(path("missing.wav") + " --quiet", &out), 1);
  EXPECT_THAT(out, HasSubstr("skipped " + path("missing.wav")));  // errors still show
  EXPECT_EQ(predict(path("a.wav") + " --quiet --verbose", &out), 2);
}

// --voice enrols the speaker for a model trained with speaker-level normalisation: the answers
// change (the voice's statistics replace the recording's own); a model without it is refused.
TEST_F(PredictCli, VoiceEnrolmentChangesASpeakerNormModelsAnswersAndIsRefusedOtherwise) {
  Checkpoint c = testing::fixture_checkpoint();
  Config config = c.config();
  config.features.speaker_norm = Cmvn::Mean;
  c.config_yaml = config.to_yaml();
  save_checkpoint(path("spk.h5"), c);
  testing::write_tone_wav(dir_ / "reading.wav", 150.0, 3.0);
  const std::string base =
      testing::calmspace_binary().string() + " predict --format jsonl --model ";
  std::string plain, enrolled;
  const auto stdout_of = [](const std::string& command, std::string* out) {
    return testing::run_command("{ " + command + " 2>/dev/null; }", out);
  };
  ASSERT_EQ(stdout_of(base + path("spk.h5") + " " + path("a.wav"), &plain), 0) << plain;
  ASSERT_EQ(
      stdout_of(base + path("spk.h5") + " --voice " + path("reading.wav") + " " + path("a.wav"),
                &enrolled),
      0)
      << enrolled;
  EXPECT_NE(json_lines(plain)[0]["probabilities"], json_lines(enrolled)[0]["probabilities"]);
  std::string out;
  EXPECT_EQ(predict("--voice " + path("reading.wav") + " " + path("a.wav"), &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("enrolling a voice changes nothing"));
  EXPECT_EQ(
      testing::run_command(
          base + path("spk.h5") + " --voice " + path("missing.wav") + " " + path("a.wav"), &out),
      1)
      << out;
  EXPECT_THAT(out, HasSubstr("missing.wav"));
}

}  // namespace
}  // namespace calmspace
