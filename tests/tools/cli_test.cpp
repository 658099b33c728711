// End-to-end tests of the `calmspace` program: help text, config handling, the features verb and
// the limits of predict.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "core/audio/encode.h"
#include "core/base/gpu_runtime.h"
#include "core/base/npy.h"
#include "core/predict/predictor.h"
#include "cuda/common/runtime.h"
#include "support/model_fixtures.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct CliRun {
  int status;
  std::string output;
};

CliRun calmspace(const std::string& args) {
  CliRun r;
  r.status = testing::run_command(testing::calmspace_binary().string() + " " + args, &r.output);
  return r;
}

TEST(Cli, HelpListsEveryVerbAndEveryConfigKeyWithItsDefault) {
  const CliRun top = calmspace("--help");
  EXPECT_EQ(top.status, 0);
  for (const char* verb : {"prepare", "merge", "info", "features", "train", "eval", "robustness",
                           "cv", "bench", "predict", "plot", "export", "serve", "devices"})
    EXPECT_THAT(top.output, HasSubstr(verb)) << verb;
  const CliRun verb = calmspace("features --help");
  EXPECT_EQ(verb.status, 0);
  EXPECT_THAT(verb.output, HasSubstr("features.win_ms=25"));
  EXPECT_THAT(verb.output, HasSubstr("features.window=hann  [hann|hamming|povey|rectangular]"));
  EXPECT_THAT(verb.output, HasSubstr("audio.sample_rate=16000"));
  EXPECT_THAT(verb.output, HasSubstr("data.folds=[]"));
}

TEST(Cli, AMistypedVerbIsNamedWithTheClosestOne) {
  const CliRun typo = calmspace("trian --data x.h5");
  EXPECT_EQ(typo.status, 2);
  EXPECT_THAT(typo.output, HasSubstr("'trian' is not a verb; did you mean 'train'?"));
  EXPECT_THAT(typo.output, HasSubstr("robustness"));
  const CliRun far = calmspace("zzzzzzzz");
  EXPECT_EQ(far.status, 2);
  EXPECT_THAT(far.output, HasSubstr("'zzzzzzzz' is not a verb (verbs: prepare"));
  EXPECT_EQ(calmspace("--version").status, 0);
}

TEST(Cli, PrintConfigShowsOverridesAndUnknownKeysFailWithTheKeyPath) {
  const CliRun printed = calmspace("features x.wav --out y.csv --print-config features.n_mels=80");
  EXPECT_EQ(printed.status, 0) << printed.output;
  EXPECT_THAT(printed.output, HasSubstr("n_mels: 80"));
  const CliRun bad = calmspace("features x.wav --out y.csv features.n_melz=80");
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.output, HasSubstr("unknown key 'features.n_melz'"));
  const CliRun stray = calmspace("features x.wav --out y.csv stray");
  EXPECT_EQ(stray.status, 1);
  EXPECT_THAT(stray.output, HasSubstr("stray: unexpected argument"));
}

TEST(Cli, FeaturesOfAMissingOrBogusFileIsOneLineNamingIt) {
  testing::ScratchDir dir;
  const auto bogus = dir / "notes.wav";
  testing::write_file(bogus, "this is text, not audio\n");
  for (const auto& input : {dir / "absent.wav", bogus}) {
    const CliRun r = calmspace("features " + input.string() + " --out " + (dir / "f.csv").string());
    EXPECT_EQ(r.status, 1);
    EXPECT_THAT(r.output, HasSubstr("calmspace: error: " + input.string() + ": "));
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_FALSE(std::filesystem::exists(dir / "f.csv"));
  }
}

TEST(Cli, FeaturesWritesCsvAndNpyWithTheResolvedConfigBeside) {
  testing::ScratchDir dir;
  const auto wav = dir / "tone.wav";
  testing::write_tone_wav(wav, 440.0, 1.0);

  const CliRun npy = calmspace("features " + wav.string() + " --out " + (dir / "f.npy").string() +
                               " features.n_mels=40");
  ASSERT_EQ(npy.status, 0) << npy.output;
  const NpyArray a = read_npy((dir / "f.npy").string());
  ASSERT_EQ(a.shape, (std::vector<std::int64_t>{101, 40}));  // 1 + 16000/160 centred frames
  for (float v : a.data) ASSERT_TRUE(std::isfinite(v));
  std::ifstream config(dir / "f.npy.config.yaml");
  std::stringstream text;
  text << config.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("n_mels: 40"));

  const CliRun csv = calmspace("features " + wav.string() + " --out " + (dir / "f.csv").string() +
                               " --config " + CALMSPACE_SOURCE_DIR + "/configs/mfcc.yaml");
  ASSERT_EQ(csv.status, 0) << csv.output;
  std::ifstream in(dir / "f.csv");
  std::string header, row;
  std::getline(in, header);
  EXPECT_THAT(header, HasSubstr("time_s,mfcc_0,"));
  EXPECT_THAT(header, HasSubstr(",dd_mfcc_12"));
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), 39);  // time + 13 x 3
  int rows = 0;
  while (std::getline(in, row)) ++rows;
  EXPECT_EQ(rows, 101);
}

// audio.trim_db: the features of the kept samples, their times in the recording's own seconds.
TEST(Cli, FeaturesOfATrimmedRecordingKeepTheRecordingsTimes) {
  testing::ScratchDir dir;
  const auto wav = dir / "tone.wav";
  std::vector<float> x(8000, 0.0f);  // 0.5 s of silence, 1 s of tone, 0.5 s of silence
  const auto tone = testing::sine(440.0, 1.0, 16000, 0.3);
  x.insert(x.end(), tone.begin(), tone.end());
  x.resize(x.size() + 8000, 0.0f);
  write_wav16(wav.string(), x, 16000);
  const CliRun r = calmspace("features " + wav.string() + " --out " + (dir / "f.csv").string() +
                             " audio.trim_db=40");
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(dir / "f.csv");
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  // Kept: samples [6080, 25840) (core/audio/trim.h: frames 48 to 149, 1,600 samples of margin),
  // 1 + 19760 / 160 = 124 centred frames, the first at 6080 / 16000 = 0.38 s.
  EXPECT_EQ(row.substr(0, row.find(',')), "0.380000");
  int rows = 1;
  while (std::getline(in, row)) ++rows;
  EXPECT_EQ(rows, 124);
}

TEST(Cli, BadOutputExtensionIsRejectedBeforeAnythingIsWritten) {
  testing::ScratchDir dir;
  const auto wav = dir / "tone.wav";
  testing::write_tone_wav(wav, 220.0, 0.5);
  const CliRun r = calmspace("features " + wav.string() + " --out " + (dir / "f.txt").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, HasSubstr("must end in .csv or .npy"));
  EXPECT_THAT(r.output, Not(HasSubstr("internal")));
}

// --device cuda: the CUDA backend's rows (same shape as the CPU's; the values are compared in
// tests/cuda), or, without a GPU, one line with the runtime's reason and nothing written.
TEST(Cli, FeaturesOnCudaGiveTheCpuShapeOrTheReasonThereIsNoGpu) {
  testing::ScratchDir dir;
  const auto wav = dir / "tone.wav";
  testing::write_tone_wav(wav, 220.0, 0.5);
  const auto report = cuda::query_runtime();
  const CliRun r = calmspace("features " + wav.string() + " --out " + (dir / "g.npy").string() +
                             " --device cuda");
  if (!report.has_gpu()) {
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_THAT(r.output, HasSubstr(gpu_unavailable_reason()));
    EXPECT_FALSE(std::filesystem::exists(dir / "g.npy"));
    return;
  }
  ASSERT_EQ(r.status, 0) << r.output;
  const CliRun cpu = calmspace("features " + wav.string() + " --out " + (dir / "c.npy").string());
  ASSERT_EQ(cpu.status, 0) << cpu.output;
  EXPECT_EQ(read_npy((dir / "g.npy").string()).shape, read_npy((dir / "c.npy").string()).shape);
}

TEST(Cli, DevicesAlwaysAnswers) {
  const CliRun r = calmspace("devices");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("cuda"));
}

}  // namespace
}  // namespace calmspace

namespace calmspace {
namespace {

// predict's limits at their edges: a recording of exactly --max-seconds is predicted, a longer
// one is skipped with the limit named (exit 1: nothing predicted); the memory budget likewise
// (a bidirectional model holds the whole recording, so its need grows with it).
TEST(Cli, PredictLimitsAtTheirEdges) {
  testing::ScratchDir dir;
  const auto wav = dir / "tone.wav";
  testing::write_tone_wav(wav, 220.0, 2.0);
  testing::write_fixture_model(dir / "model.h5", "# fixture\n");
  const std::string base = "predict " + wav.string() + " --model " + (dir / "model.h5").string();
  const CliRun ok = calmspace(base + " --max-seconds 2");
  EXPECT_EQ(ok.status, 0) << ok.output;
  const CliRun over = calmspace(base + " --max-seconds 1.9999");
  EXPECT_EQ(over.status, 1) << over.output;
  EXPECT_THAT(over.output, HasSubstr("longer than --max-seconds=1.9999"));
  EXPECT_THAT(over.output, HasSubstr("predicted 0 input(s), skipped 1"));

  const Predictor predictor(testing::fixture_checkpoint(), 1);
  const double need_mb = double(predictor.memory_needed(32000)) / (1 << 20);
  const CliRun fits = calmspace(base + " --max-memory-mb " + std::to_string(need_mb + 1e-6));
  EXPECT_EQ(fits.status, 0) << fits.output;
  const CliRun short_of = calmspace(base + " --max-memory-mb " + std::to_string(need_mb - 1e-4));
  EXPECT_EQ(short_of.status, 1) << short_of.output;
  EXPECT_THAT(short_of.output, HasSubstr("over the memory budget"));
}

}  // namespace
}  // namespace calmspace
