// GPU training end to end: the same config trains with train.device=cpu and =cuda on a small real
// RAVDESS subset (6 actors x 16 clips, prepared here from ../shared/corpora), two epochs, same
// seed, no dropout and no augmentation (cuDNN's dropout masks differ by design). The per-epoch
// training loss, validation loss and mean gradient norm must follow the CPU run:
//   |gpu - cpu| <= 1e-2 |cpu|   (FP32 both; the runs drift apart only through rounding, which
//                                Adam's per-weight normalisation amplifies to ~1e-4..1e-3 here)
// A device step that skipped the optimizer or mis-scaled gradients should move the epoch-2 loss
// and the gradient norms by more than that (unmeasured until the first GPU run: see the report).
#include <gtest/gtest.h>

#include <set>

#include "core/dataset/clip_source.h"
#include "core/dataset/corpus.h"
#include "core/dataset/dataset_file.h"
#include "core/dataset/prepare.h"
#include "core/model/backend.h"
#include "core/train/trainer.h"
#include "datasets/adapters.h"
#include "support/gpu_test_util.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

constexpr std::size_t kClipsPerActor = 16;

// 16 clips of each of actors 01-06 in three folds of two actors.
std::string prepare_subset(const testing::ScratchDir& dir, Config& config) {
  CorpusListing listing = list_ravdess((testing::corpora_dir() / "ravdess").string());
  std::map<std::string, std::size_t> taken;
  std::vector<ClipRecord> kept;
  for (const auto& clip : listing.clips) {
    if (clip.speaker > "06") continue;
    if (taken[clip.speaker]++ < kClipsPerActor) kept.push_back(clip);
  }
  listing.clips = kept;
  config.data.folds = {{"01", "02"}, {"03", "04"}, {"05", "06"}};
  const std::string path = (dir / "ravdess_subset.h5").string();
  prepare_dataset(listing, config, path);
  return path;
}

Config small_recipe() {
  Config c;
  c.features.n_mels = 64;
  c.model.cell = CellKind::Lstm;
  c.model.hidden_size = 32;
  c.model.num_layers = 2;
  c.model.bidirectional = true;
  c.model.pooling = PoolingKind::Attention;
  c.model.attention_dim = 16;
  c.model.dropout = 0.0;
  c.train.epochs = 2;
  c.train.batch_size = 8;
  c.train.lr = 4e-3;
  c.train.warmup_epochs = 0;
  c.train.min_lr = 1e-4;
  c.train.patience = 0;
  c.train.seed = 3;
  c.train.num_threads = 2;
  return c;
}

TEST(GpuTraining, TwoEpochsFollowTheCpuRun) {
  CALMSPACE_SKIP_WITHOUT_GPU();
  if (!testing::have_corpus("ravdess"))
    GTEST_SKIP() << "no RAVDESS under " << testing::corpora_dir();
  testing::ScratchDir dir;
  Config config = small_recipe();
  const DatasetFile data(prepare_subset(dir, config));
  ASSERT_EQ(data.size(), 6 * kClipsPerActor);

  Config cpu = config, gpu = config;
  cpu.train.device = "cpu";
  gpu.train.device = "cuda";
  const TrainOutcome a = train_model(data, cpu, (dir / "cpu").string(), false);
  const TrainOutcome b = train_model(data, gpu, (dir / "gpu").string(), false);
  ASSERT_EQ(a.history.size(), 2u);
  ASSERT_EQ(b.history.size(), 2u);
  for (std::size_t e = 0; e < 2; ++e) {
    const EpochRecord &rc = a.history[e], &rg = b.history[e];
    EXPECT_NEAR(rg.train_loss, rc.train_loss, 1e-2 * rc.train_loss) << "epoch " << e + 1;
    EXPECT_NEAR(rg.valid_loss, rc.valid_loss, 1e-2 * rc.valid_loss) << "epoch " << e + 1;
    EXPECT_NEAR(rg.grad_norm, rc.grad_norm, 1e-2 * rc.grad_norm) << "epoch " << e + 1;
    EXPECT_TRUE(std::isfinite(rg.train_loss));
  }
  // The best checkpoint of each run on the test split (evaluated on the run's own device).
  EXPECT_EQ(b.test.clips, a.test.clips);
  EXPECT_NEAR(b.test.loss, a.test.loss, 2e-2 * a.test.loss);
}

// train.device=cuda computes features with the CUDA kernels (features.device auto follows it),
// and they match the CPU's: log-mel values above log(1e-6) within 1e-3 (cuFFT and FFTW differ in
// float rounding, ~1e-6 relative in power; near the log floor
// tests/cuda/features/feature_extractor_cuda_test.cpp derives its own allowance, so those values
// are left to it).
TEST(GpuTraining, FeaturesComeFromTheCudaKernels) {
  CALMSPACE_SKIP_WITHOUT_GPU();
  if (!testing::have_corpus("ravdess"))
    GTEST_SKIP() << "no RAVDESS under " << testing::corpora_dir();
  testing::ScratchDir dir;
  Config config = small_recipe();
  const DatasetFile data(prepare_subset(dir, config));
  Config cpu = config, gpu = config;
  cpu.train.device = "cpu";
  gpu.train.device = "cuda";
  std::vector<std::size_t> clips(8);
  for (std::size_t k = 0; k < clips.size(); ++k) clips[k] = k;
  ClipSource on_cpu(data, cpu, clips, false), on_gpu(data, gpu, clips, false);
  ASSERT_FALSE(on_gpu.uses_stored_features());
  const auto& a = on_cpu.clean_features();
  const auto& b = on_gpu.clean_features();
  EXPECT_EQ(on_cpu.feature_backend(), "cpu");
  EXPECT_EQ(on_gpu.feature_backend(), "cuda");
  ASSERT_EQ(a.size(), b.size());
  const float loud = std::log(1e-6f);
  for (std::size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].frames, b[k].frames);
    ASSERT_EQ(a[k].data.size(), b[k].data.size());
    for (std::size_t i = 0; i < a[k].data.size(); ++i)
      if (a[k].data[i] > loud) {
        ASSERT_NEAR(b[k].data[i], a[k].data[i], 1e-3) << "clip " << k << ", value " << i;
      }
  }
}

TEST(GpuTraining, AutoPicksTheGpu) {
  CALMSPACE_SKIP_WITHOUT_GPU();
  const ResolvedDevice where = resolve_device("auto");
  EXPECT_TRUE(where.cuda);
  EXPECT_EQ(where.index, 0);
  auto model = make_sequence_model(ModelOptions{}, 8, 3, 1, {"auto", Precision::Fp32});
  EXPECT_EQ(model->backend_name(), "cudnn");
}

}  // namespace
}  // namespace calmspace
