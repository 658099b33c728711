// `mpirun -np 2 calmspace train train.device=cuda` (core/train/data_parallel_step.h on the cuDNN
// backend, staged through the host): each rank runs forward and backward of its share on its GPU
// (ranks sharing one GPU share it), the gradients come to the host for the allreduce, and the
// update runs on the host. Against one process on the GPU (the fused device step, Adam on the
// device), no dropout and no augmentation (cuDNN's dropout masks do not follow the clip), the
// per-epoch losses and gradient norms must agree to
//   |2 ranks - 1 process| <= 1e-2 |1 process|
// as GPU training agrees with the CPU (gpu_training_test.cpp): FP32 on both sides, the sums in
// another order and Adam on another processor. A wrong share, scale or a skipped allreduce moves
// the loss by more (tests/cluster/mpi_train_test.cpp finds 1e-2 and more for those on the CPU).
// Skips with the reason without a GPU or without MPI.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

#include "cluster/mpi_launch.h"
#include "support/gpu_test_util.h"
#include "support/test_support.h"

namespace calmspace::testing {
namespace {

namespace fs = std::filesystem;

const std::string kRecipe =
    "features.n_mels=16 model.cell=gru model.hidden_size=12 model.num_layers=2 "
    "model.dropout=0 model.bidirectional=true train.epochs=4 train.batch_size=8 train.lr=0.02 "
    "train.warmup_epochs=0 train.min_lr=0.001 train.patience=0 train.seed=5 train.num_threads=1 "
    "train.device=cuda";

TEST(GpuDataParallel, TwoRanksOnTheGpuFollowOneProcess) {
  CALMSPACE_SKIP_WITHOUT_GPU();
  if (const std::string why = mpi_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  ScratchDir dir;
  const std::string data = (dir / "tones.h5").string();
  write_tone_dataset(data);
  std::string output;
  for (const int ranks : {1, 2}) {
    ASSERT_EQ(run_calmspace(ranks,
                            cat("train --data ", data, " --out ", (dir / cat("r", ranks)).string(),
                                " --no-plots ", kRecipe),
                            &output),
              0)
        << output;
  }
  EXPECT_NE(output.find("backend cudnn"), std::string::npos) << output;
  const auto two = epochs_of(dir / "r2"), one = epochs_of(dir / "r1");
  ASSERT_EQ(two.size(), one.size());
  ASSERT_EQ(one.size(), 4u);
  for (std::size_t e = 0; e < one.size(); ++e) {
    SCOPED_TRACE(cat("epoch ", e + 1));
    for (const char* key : {"train_loss", "valid_loss", "grad_norm"}) {
      const double a = two[e][key].get<double>(), b = one[e][key].get<double>();
      EXPECT_NEAR(a, b, 1e-2 * std::abs(b)) << key;
    }
  }
  // The root logs how each epoch's time split between compute, waiting and the allreduce.
  const auto log = nlohmann::json::parse(read_text_file(dir / "r2" / "data_parallel.json"));
  EXPECT_EQ(log["ranks"], 2);
}

}  // namespace
}  // namespace calmspace::testing
