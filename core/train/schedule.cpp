#include "core/train/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace calmspace {

double LrSchedule::lr_for_epoch(int epoch, int epochs_without_improvement) {
  const auto& o = options_;
  if (epoch < o.warmup_epochs) {
    const double start = o.lr / 10;
    return start + (o.lr - start) * double(epoch) / o.warmup_epochs;
  }
  switch (o.schedule) {
    case ScheduleKind::Constant:
      return o.lr;
    case ScheduleKind::Cosine: {
      const int span = std::max(1, o.epochs - o.warmup_epochs - 1);
      const double progress = std::min(1.0, double(epoch - o.warmup_epochs) / span);
      return o.min_lr + 0.5 * (o.lr - o.min_lr) * (1 + std::cos(std::numbers::pi * progress));
    }
    case ScheduleKind::Plateau: {
      const int wait = std::max(1, (o.patience > 0 ? o.patience : 3) / 3);
      if (epochs_without_improvement > 0 && epochs_without_improvement % wait == 0)
        plateau_lr_ = std::max(o.min_lr, plateau_lr_ / 2);
      return plateau_lr_;
    }
  }
  return o.lr;
}

}  // namespace calmspace
