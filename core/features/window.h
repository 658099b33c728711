// Analysis windows, computed in double and stored as float32.
//   hann, hamming: periodic, as torch.hann_window(N) / torch.hamming_window(N) with their defaults
//                  (w[i] = a - (1-a) cos(2 pi i / N), a = 0.5 / 0.54).
//   povey:        Kaldi's window, (0.5 - 0.5 cos(2 pi i / (N-1)))^0.85.
//   rectangular:  all ones.
#pragma once

#include <vector>

#include "core/config/feature_options.h"

namespace calmspace {

// `length` window samples (length >= 2).
std::vector<float> make_window(WindowKind kind, int length);

}  // namespace calmspace
