// Prints training progress: the bar on a terminal (tools/progress.h) and one line per epoch.
#pragma once

#include <string>

#include "core/train/trainer.h"
#include "tools/progress.h"

namespace calmspace::tools {

class ConsoleObserver final : public TrainingObserver {
 public:
  explicit ConsoleObserver(std::string prefix = "") : prefix_(std::move(prefix)) {}
  void set_prefix(std::string prefix) { prefix_ = std::move(prefix); }
  void on_start(const std::string& summary) override;
  void on_batch(int epoch, int epochs, int done, int total, double loss) override;
  void on_epoch(const EpochRecord& r, bool improved) override;

 private:
  Progress progress_{stderr};
  std::string prefix_;
  int epochs_ = 0;
};

}  // namespace calmspace::tools
