#include "core/features/window.h"

#include <cmath>
#include <numbers>

#include "core/base/error.h"

namespace calmspace {

std::vector<float> make_window(WindowKind kind, int length) {
  CALMSPACE_CHECK(length >= 2, "window length ", length);
  std::vector<float> w(static_cast<std::size_t>(length));
  const double two_pi = 2.0 * std::numbers::pi;
  for (int i = 0; i < length; ++i) {
    double v = 1.0;
    switch (kind) {
      case WindowKind::Hann:
        v = 0.5 - 0.5 * std::cos(two_pi * i / length);
        break;
      case WindowKind::Hamming:
        v = 0.54 - 0.46 * std::cos(two_pi * i / length);
        break;
      case WindowKind::Povey:
        v = std::pow(0.5 - 0.5 * std::cos(two_pi * i / (length - 1)), 0.85);
        break;
      case WindowKind::Rectangular:
        v = 1.0;
        break;
    }
    w[static_cast<std::size_t>(i)] = static_cast<float>(v);
  }
  return w;
}

}  // namespace calmspace
