// `mpirun -np N calmspace cv` (core/train/cross_validation.h): the folds x ensemble members dealt
// out to 2 and 3 ranks give the cv.json of one process bit for bit, and a killed
// cross-validation resumes with another number of ranks to the same result; so does every point
// of `calmspace sweep` (tools/cmd_sweep.cpp), which runs one such cross-validation per point. Skips
// with the reason when this build or machine has no MPI (tests/cluster/mpi_launch.h).
#include <gtest/gtest.h>

#include <filesystem>

#include "cluster/mpi_launch.h"
#include "support/test_support.h"

namespace calmspace::testing {
namespace {

namespace fs = std::filesystem;

// A tiny GRU that learns the tone dataset in a few epochs, one thread per rank.
const std::string kRecipe =
    "features.n_mels=16 model.cell=gru model.hidden_size=12 model.num_layers=1 "
    "model.bidirectional=true train.epochs=3 train.batch_size=8 train.lr=0.02 "
    "train.warmup_epochs=0 train.min_lr=0.001 train.patience=0 train.seed=5 train.num_threads=1";

// cv.json with the output folder replaced by OUT (its run_dir entries name the folder).
std::string cv_json(const fs::path& out) {
  std::string text = read_text_file(out / "cv.json");
  const std::string name = out.string();
  for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at))
    text.replace(at, name.size(), "OUT");
  return text;
}

class MpiCv : public MpiTest {
 protected:
  // Runs the cross-validation into dir_/name with `ranks` processes; returns cv.json.
  std::string cv(int ranks, const std::string& name, const std::string& extra) {
    std::string output;
    const int status = run_calmspace(
        ranks,
        cat("cv --data ", data_, " --out ", (dir_ / name).string(), " ", kRecipe, " ", extra),
        &output);
    EXPECT_EQ(status, 0) << output;
    return cv_json(dir_ / name);
  }
};

TEST_F(MpiCv, TwoAndThreeRanksGiveTheOneProcessResultBitForBit) {
  for (const std::string ensemble : {"train.ensemble=1", "train.ensemble=2"}) {
    SCOPED_TRACE(ensemble);
    const std::string one = cv(1, "one" + ensemble, ensemble);
    ASSERT_NE(one.find("\"folds_run\": 3"), std::string::npos) << one;
    EXPECT_EQ(cv(2, "two" + ensemble, ensemble), one);
    EXPECT_EQ(cv(3, "three" + ensemble, ensemble), one);
  }
}

TEST_F(MpiCv, AKilledCrossValidationResumesWithAnotherNumberOfRanks) {
  const std::string ensemble = "train.ensemble=2";
  const std::string one = cv(1, "one", ensemble);
  cv(2, "killed", ensemble);
  // What a kill leaves: no cv.json, a fold never started, a member without its report.
  const fs::path killed = dir_ / "killed";
  fs::remove(killed / "cv.json");
  fs::remove_all(killed / "fold_2");
  fs::remove(killed / "fold_1" / "member_1" / "report.json");
  std::string output;
  ASSERT_EQ(run_calmspace(3, cat("cv --resume ", killed.string(), " --data ", data_), &output), 0)
      << output;
  EXPECT_EQ(cv_json(killed), one);
}

TEST_F(MpiCv, ASweepOnTwoRanksGivesEveryPointsOneProcessResult) {
  std::string output;
  for (const int ranks : {1, 2}) {
    ASSERT_EQ(
        run_calmspace(ranks,
                      cat("sweep --data ", data_, " --out ", (dir_ / cat("sweep", ranks)).string(),
                          " ", kRecipe, " train.weight_decay=0,0.01"),
                      &output),
        0)
        << output;
  }
  for (const char* point : {"point_0", "point_1"})
    EXPECT_EQ(cv_json(dir_ / "sweep2" / point), cv_json(dir_ / "sweep1" / point)) << point;
  const std::string one = read_text_file(dir_ / "sweep1" / "sweep.json");
  EXPECT_NE(one.find("\"best\": \"point_"), std::string::npos) << one;
  EXPECT_EQ(read_text_file(dir_ / "sweep2" / "sweep.json"), one);
}

TEST_F(MpiCv, ABadInputEndsEveryRankWithOneLineEach) {
  std::string output;
  const int status = run_calmspace(
      2, cat("cv --data ", (dir_ / "missing.h5").string(), " --out ", (dir_ / "x").string()),
      &output);
  EXPECT_NE(status, 0);
  EXPECT_NE(output.find("missing.h5"), std::string::npos) << output;
  EXPECT_NE(output.find("[rank 1/2]"), std::string::npos) << output;
}

}  // namespace
}  // namespace calmspace::testing
