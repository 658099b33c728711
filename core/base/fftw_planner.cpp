#include "core/base/fftw_planner.h"

namespace calmspace {

std::mutex& fftw_planner_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace calmspace
