#include "tools/console_observer.h"

#include <cmath>
#include <cstdio>

namespace calmspace::tools {

void ConsoleObserver::on_start(const std::string& summary) {
  std::fprintf(stderr, "%s%s\n", prefix_.c_str(), summary.c_str());
}

void ConsoleObserver::on_batch(int epoch, int epochs, int done, int total, double loss) {
  epochs_ = epochs;
  progress_.batch(epoch, epochs, done, total, loss);
}

void ConsoleObserver::on_epoch(const EpochRecord& r, bool improved) {
  char valid[96] = "no validation split";  // train.validation false, or no valid rows in a CSV
  if (!std::isnan(r.valid_ua))
    std::snprintf(valid, sizeof valid, "valid loss %.4f WA %.3f UA %.3f F1 %.3f%s", r.valid_loss,
                  r.valid_wa, r.valid_ua, r.valid_macro_f1, improved ? "  *best" : "");
  char line[360];
  std::snprintf(line, sizeof line,
                "%sepoch %3d/%d  lr %.2e  train loss %.4f acc %.3f  %s  %.1f s (%.0f clips/s)",
                prefix_.c_str(), r.epoch, epochs_, r.lr, r.train_loss, r.train_accuracy, valid,
                r.seconds, r.clips_per_s);
  progress_.epoch_summary(line);
}

}  // namespace calmspace::tools
