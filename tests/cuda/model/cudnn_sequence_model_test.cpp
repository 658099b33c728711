// The cuDNN backend against the CPU backend (itself checked by finite differences against the
// double reference in tests/model): same seed -> same initial weights; forward logits and every
// parameter gradient on random weights, normalisation and ragged batches, for every cell x
// direction x layers {1, 2} x pooling. Dropout is 0 here: cuDNN draws its own masks, so dropout
// parity is not defined (cudnn_sequence_model.h).
// Tolerances (FP32 both sides, different summation orders; cuDNN with CUDNN_FMA_MATH, no TF32):
//   logits     |gpu - cpu| <= 1e-4 + 1e-4 |cpu|
//   gradients  |gpu - cpu| <= 1e-4 + 1e-3 |cpu|   (BPTT sums over up to 9 frames and 5 clips)
#include <gtest/gtest.h>

#include <filesystem>

#include "core/model/backend.h"
#include "core/run/checkpoint.h"
#include "core/run/model_checkpoint.h"
#include "core/train/training_step.h"
#include "support/gpu_test_util.h"
#include "support/model_test_util.h"

namespace calmspace {
namespace {

using testing::ModelCase;

constexpr int kF = 6, kC = 4, kH = 5, kA = 3;
const std::vector<std::int64_t> kLengths = {7, 3, 9, 1, 5};  // ragged, unsorted, a length-1 clip

ComputeOptions on_gpu(Precision p = Precision::Fp32) {
  return {"cuda", p};
}

// Both models with the same weights (perturbed away from init) and normalisation.
struct Pair {
  std::unique_ptr<SequenceModel> cpu, gpu;
};
Pair make_pair(const ModelOptions& o, std::uint64_t seed, Precision p = Precision::Fp32) {
  Pair out;
  out.cpu = make_cpu_sequence_model(o, kF, kC, seed);
  out.gpu = make_sequence_model(o, kF, kC, seed, on_gpu(p));
  auto wc = out.cpu->weights();
  const auto noise = testing::random_values(static_cast<std::int64_t>(wc.size()), 0.05, seed + 1);
  for (std::size_t i = 0; i < wc.size(); ++i) wc[i] += noise[i];
  auto wg = out.gpu->weights();
  std::copy(wc.begin(), wc.end(), wg.begin());
  const auto mean = testing::random_values(kF, 0.3, seed + 2);
  auto stdv = testing::random_values(kF, 0.2, seed + 3);
  for (float& s : stdv) s = 1.0f + std::abs(s);
  out.cpu->set_input_norm(mean, stdv);
  out.gpu->set_input_norm(mean, stdv);
  return out;
}

class CudnnParity : public ::testing::TestWithParam<ModelCase> {};

TEST_P(CudnnParity, LogitsAndGradientsMatchTheCpuBackend) {
  CALMSPACE_SKIP_WITHOUT_GPU();
  const ModelOptions o = testing::make_options(GetParam(), kH, kA);
  Pair m = make_pair(o, 11);
  {  // same seed -> identical initial weights on both backends
    auto fresh_cpu = make_cpu_sequence_model(o, kF, kC, 3);
    auto fresh_gpu = make_sequence_model(o, kF, kC, 3, on_gpu());
    const auto a = fresh_cpu->weights();
    const auto b = fresh_gpu->weights();
    ASSERT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  }
  const PaddedBatch x = testing::random_batch(kLengths, kF, 21);
  std::vector<float> lc, lg;
  for (bool training : {false, true}) {
    m.cpu->forward(x, lc, training, 0);
    m.gpu->forward(x, lg, training, 0);
    std::size_t at = 0;
    EXPECT_LE(testing::worst_ratio(lg, lc, 1e-4, 1e-4, &at), 1.0)
        << "training=" << training << " logit " << at << ": gpu " << lg[at] << " cpu " << lc[at];
  }
  const auto dlogits = testing::random_values(static_cast<std::int64_t>(lc.size()), 1.0, 31);
  m.cpu->zero_gradients();
  m.gpu->zero_gradients();
  m.cpu->backward(dlogits);
  m.gpu->backward(dlogits);
  const auto gc = m.cpu->gradients();
  const auto gg = m.gpu->gradients();
  for (const ParamView& p : m.cpu->layout()) {
    const std::span<const float> a(gg.data() + p.offset, static_cast<std::size_t>(p.size));
    const std::span<const float> b(gc.data() + p.offset, static_cast<std::size_t>(p.size));
    std::size_t at = 0;
    EXPECT_LE(testing::worst_ratio(a, b, 1e-4, 1e-3, &at), 1.0)
        << p.name << "[" << at << "]: gpu " << a[at] << " cpu " << b[at];
  }
  // cuDNN's backward consumes its forward's reserve space: a second backward is refused.
  EXPECT_THROW(m.gpu->backward(dlogits), Error);
  // backward ADDS: a second forward + backward of the same batch doubles every gradient.
  m.gpu->forward(x, lg, true, 0);
  m.gpu->backward(dlogits);
  const auto twice = m.gpu->gradients();
  std::vector<float> doubled(gc.begin(), gc.end());
  for (float& g : doubled) g *= 2;
  EXPECT_LE(testing::worst_ratio(twice, doubled, 2e-4, 2e-3), 1.0);
}

INSTANTIATE_TEST_SUITE_P(AllCases, CudnnParity, ::testing::ValuesIn(testing::all_model_cases()),
                         [](const ::testing::TestParamInfo<ModelCase>& tc) {
                           return tc.param.name();
                         });

TEST(CudnnModel, PaddingPastTheLongestClipChangesNothing) {
  CALMSPACE_SKIP_WITHOUT_GPU();
  ModelOptions o = testing::make_options({CellKind::Lstm, true, 2, PoolingKind::Attention}, kH, kA);
  auto gpu = make_sequence_model(o, kF, kC, 5, on_gpu());
  const PaddedBatch x = testing::random_batch(kLengths, kF, 8);
  PaddedBatch wide = x;  // the same clips with 4 more zero frames each
  wide.max_frames = x.max_frames + 4;
  wide.data.assign(static_cast<std::size_t>(wide.batch * wide.max_frames * kF), 0.0f);
  for (std::int64_t b = 0; b < x.batch; ++b)
    for (std::int64_t t = 0; t < x.max_frames; ++t)
      for (int f = 0; f < kF; ++f) wide.at(b, t, f) = x.at(b, t, f);
  std::vector<float> a, b;
  gpu->forward(x, a, false, 0);
  gpu->forward(wide, b, false, 0);
  EXPECT_LE(testing::worst_ratio(b, a, 1e-6, 1e-5), 1.0);
}

// One full optimisation step (loss, clipping that triggers, class weights, AdamW) on both.
TEST(CudnnTrainingStep, OneStepMatchesTheCpuStep) {
  CALMSPACE_SKIP_WITHOUT_GPU();
  for (auto kind : {OptimizerKind::AdamW, OptimizerKind::Adam}) {
    const ModelOptions o =
        testing::make_options({CellKind::Gru, true, 2, PoolingKind::Attention}, kH, kA);
    Pair m = make_pair(o, 17);
    TrainStepConfig config;
    config.adam.kind = kind;
    config.adam.lr = 1e-2;
    config.adam.weight_decay = 1e-2;
    config.grad_clip = 0.05;  // below the norm of these gradients: clipping is exercised
    config.class_weights = {0.5f, 1.0f, 1.5f, 2.0f};
    auto cpu_step = make_training_step(*m.cpu, config);
    auto gpu_step = make_training_step(*m.gpu, config);
    ASSERT_FALSE(gpu_step->totals_are_free()) << "the GPU model must get the device step";
    Batch batch;
    batch.x = testing::random_batch(kLengths, kF, 41);
    batch.labels = {0, 3, 1, 2, 3};
    for (int k = 0; k < 3; ++k) {
      cpu_step->set_lr(config.adam.lr);
      gpu_step->set_lr(config.adam.lr);
      cpu_step->run(batch, 0, 0, k);
      gpu_step->run(batch, 0, 0, k);
    }
    const StepTotals tc = cpu_step->totals(), tg = gpu_step->totals();
    EXPECT_EQ(tg.seen, tc.seen);
    EXPECT_EQ(tg.correct, tc.correct);
    EXPECT_NEAR(tg.loss_sum, tc.loss_sum, 1e-4 * std::abs(tc.loss_sum));
    EXPECT_NEAR(tg.grad_norm_sum, tc.grad_norm_sum, 1e-3 * tc.grad_norm_sum);
    EXPECT_GT(tc.grad_norm_sum / 3, config.grad_clip);
    // Adam normalises every update to about lr = 1e-2 whatever the gradient's size, so a
    // near-zero gradient whose rounding differs moves a weight by a different fraction of lr:
    // 3e-4 absolute (3 % of lr over 3 steps) bounds that.
    EXPECT_LE(testing::worst_ratio(m.gpu->weights(), m.cpu->weights(), 3e-4, 1e-3), 1.0);
    const AdamState sc = cpu_step->optimizer_state(), sg = gpu_step->optimizer_state();
    EXPECT_EQ(sg.step, 3);
    EXPECT_LE(testing::worst_ratio(sg.m, sc.m, 1e-5, 2e-3), 1.0);
    EXPECT_LE(testing::worst_ratio(sg.v, sc.v, 1e-8, 4e-3), 1.0);
  }
}

TEST(CudnnModel, CheckpointRoundTripCpuGpuCpu) {
  CALMSPACE_SKIP_WITHOUT_GPU();
  testing::ScratchDir dir;
  Config config;
  config.features.n_mels = kF;
  config.model = testing::make_options({CellKind::Lstm, true, 2, PoolingKind::Mean}, kH, kA);
  ASSERT_EQ(model_input_dim(config), kF);
  const std::vector<std::string> labels = {"a", "b", "c", "d"};
  Pair m = make_pair(config.model, 23);
  const PaddedBatch x = testing::random_batch(kLengths, kF, 51);

  // CPU -> file -> GPU: same logits.
  const auto cpu_file = (dir / "cpu.h5").string();
  save_checkpoint(cpu_file, checkpoint_of(*m.cpu, config, labels, {}));
  auto on_gpu_model = model_from_checkpoint(load_checkpoint(cpu_file), on_gpu());
  ASSERT_EQ(on_gpu_model->backend_name(), "cudnn");
  std::vector<float> lc, lg;
  m.cpu->forward(x, lc, false, 0);
  on_gpu_model->forward(x, lg, false, 0);
  EXPECT_LE(testing::worst_ratio(lg, lc, 1e-4, 1e-4), 1.0);

  // Train on the GPU a little, GPU -> file -> CPU: bit-identical weights, matching logits.
  TrainStepConfig step_config;
  step_config.adam.lr = 1e-2;
  auto step = make_training_step(*on_gpu_model, step_config);
  Batch batch;
  batch.x = x;
  batch.labels = {1, 0, 3, 2, 1};
  step->run(batch, 0, 0, 0);
  step->run(batch, 0, 0, 1);
  const auto gpu_file = (dir / "gpu.h5").string();
  save_checkpoint(gpu_file, checkpoint_of(*on_gpu_model, config, labels, {}));
  auto back = model_from_checkpoint(load_checkpoint(gpu_file), {"cpu"});
  ASSERT_EQ(back->backend_name(), "cpu");
  const auto wg = on_gpu_model->weights();
  const auto wb = back->weights();
  EXPECT_TRUE(std::equal(wg.begin(), wg.end(), wb.begin(), wb.end()));
  EXPECT_FALSE(std::equal(wb.begin(), wb.end(), m.cpu->weights().begin()));  // it did train
  on_gpu_model->forward(x, lg, false, 0);
  back->forward(x, lc, false, 0);
  EXPECT_LE(testing::worst_ratio(lc, lg, 1e-4, 1e-4), 1.0);
}

// Reduced precisions run and stay close to fp32; their accuracy effect on training is measured
// by bench/gpu/run_on_device.sh, not here. bf16 is refused naming the option.
TEST(CudnnModel, PrecisionOptions) {
  CALMSPACE_SKIP_WITHOUT_GPU();
  const ModelOptions o =
      testing::make_options({CellKind::Lstm, true, 2, PoolingKind::Attention}, kH, kA);
  const PaddedBatch x = testing::random_batch(kLengths, kF, 61);
  Pair ref = make_pair(o, 29);
  std::vector<float> l32, l;
  ref.gpu->forward(x, l32, false, 0);
  for (Precision p : {Precision::Tf32, Precision::Fp16}) {
    const std::string name = enum_name(precision_table(), p);
    try {
      Pair m = make_pair(o, 29, p);
      m.gpu->forward(x, l, false, 0);
    } catch (const InputError& e) {
      // cuDNN may refuse a reduced precision for a configuration; it must say so by name. TF32
      // is the plain default math of FP32 RNNs and must work.
      EXPECT_EQ(e.subject(), "train.precision") << e.what();
      EXPECT_NE(p, Precision::Tf32) << e.what();
      RecordProperty(name, e.what());
      continue;
    }
    // TF32 keeps 10 mantissa bits, FP16 too: a few 1e-3 relative on these O(1) logits.
    EXPECT_LE(testing::worst_ratio(l, l32, 2e-2, 2e-2), 1.0) << name;
  }
  try {
    make_sequence_model(o, kF, kC, 1, on_gpu(Precision::Bf16));
    FAIL() << "bf16 accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.subject(), "train.precision");
  }
}

}  // namespace
}  // namespace calmspace
