#include "core/train/schedule.h"

#include <gtest/gtest.h>

namespace calmspace {
namespace {

TrainOptions options(ScheduleKind kind) {
  TrainOptions o;
  o.schedule = kind;
  o.lr = 1e-3;
  o.min_lr = 1e-5;
  o.epochs = 12;  // cosine over epochs 1..11: half way at epoch 6
  o.warmup_epochs = 1;
  o.patience = 6;
  return o;
}

TEST(LrSchedule, WarmupRisesFromATenthThenCosineEndsAtTheFloor) {
  LrSchedule s(options(ScheduleKind::Cosine));
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(0, 0), 1e-4);
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(1, 0), 1e-3);                          // cosine start
  EXPECT_NEAR(s.lr_for_epoch(6, 0), 1e-5 + 0.5 * (1e-3 - 1e-5), 1e-15);  // half way
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(11, 0), 1e-5);                         // last epoch
  for (int e = 2; e <= 11; ++e) EXPECT_LT(s.lr_for_epoch(e, 0), s.lr_for_epoch(e - 1, 0));
}

TEST(LrSchedule, PlateauHalvesAfterTwoStaleEpochsAndStopsAtTheFloor) {
  LrSchedule s(options(ScheduleKind::Plateau));  // patience 6 -> halve every 2 stale epochs
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(1, 0), 1e-3);
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(2, 1), 1e-3);
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(3, 2), 5e-4);
  EXPECT_DOUBLE_EQ(s.lr_for_epoch(4, 0), 5e-4);  // improved: no change
  for (int e = 5; e < 40; ++e) s.lr_for_epoch(e, 2);
  EXPECT_DOUBLE_EQ(s.plateau_lr(), 1e-5);
}

TEST(LrSchedule, ConstantIgnoresEverythingAfterWarmup) {
  auto o = options(ScheduleKind::Constant);
  o.warmup_epochs = 0;
  LrSchedule s(o);
  for (int e = 0; e < 5; ++e) EXPECT_DOUBLE_EQ(s.lr_for_epoch(e, e), 1e-3);
}

}  // namespace
}  // namespace calmspace
