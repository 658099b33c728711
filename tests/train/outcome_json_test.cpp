// A training outcome sent from a rank to the root (core/train/outcome_json.h) reads back to the
// same bits: doubles that print with 17 digits, NaN for a missing validation split, the history.
#include "core/train/outcome_json.h"

#include <gtest/gtest.h>

#include <cmath>

namespace calmspace {
namespace {

TEST(OutcomeJson, EveryFieldReadsBackBitForBit) {
  TrainOutcome o;
  o.best_epoch = 7;
  o.best_valid_ua = NAN;  // no validation split
  o.stopped_early = true;
  o.ensemble = 2;
  o.run_dir = "cv/fold_1";
  o.test = compute_metrics(std::vector<int>{0, 1, 2, 2, 1}, std::vector<int>{0, 2, 2, 1, 1},
                           {"a", "b", "c"}, 1.0 / 3.0);
  EpochRecord r;
  r.epoch = 1;
  r.lr = 0.1 + 0.2;  // not a short decimal
  r.train_loss = std::nextafter(1.0, 2.0);
  r.valid_loss = NAN;
  o.history = {r};

  const TrainOutcome back = outcome_from_json(outcome_to_json(o));
  EXPECT_EQ(back.best_epoch, 7);
  EXPECT_TRUE(std::isnan(back.best_valid_ua));
  EXPECT_TRUE(back.stopped_early);
  EXPECT_EQ(back.ensemble, 2);
  EXPECT_EQ(back.run_dir, "cv/fold_1");
  EXPECT_EQ(report_json(back.test), report_json(o.test));
  EXPECT_EQ(back.test.loss, 1.0 / 3.0);
  EXPECT_EQ(back.test.ua, o.test.ua);
  ASSERT_EQ(back.history.size(), 1u);
  EXPECT_EQ(back.history[0].lr, 0.1 + 0.2);
  EXPECT_EQ(back.history[0].train_loss, std::nextafter(1.0, 2.0));
  EXPECT_TRUE(std::isnan(back.history[0].valid_loss));
  EXPECT_THROW(outcome_from_json("{\"best_epoch\": 1}"), Error);
}

}  // namespace
}  // namespace calmspace
