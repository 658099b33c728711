#include "core/features/mel_filterbank.h"

#include <algorithm>
#include <cmath>

#include "core/base/error.h"

namespace calmspace {

namespace {
// Slaney (Auditory Toolbox) constants, as torchaudio / librosa.
constexpr double kSlaneyFSp = 200.0 / 3.0;
constexpr double kSlaneyMinLogHz = 1000.0;
constexpr double kSlaneyMinLogMel = kSlaneyMinLogHz / kSlaneyFSp;
const double kSlaneyLogStep = std::log(6.4) / 27.0;

// torch.linspace(start, end, steps)[i], computed in double.
double linspace(double start, double end, int steps, int i) {
  if (steps == 1) return start;
  return start + (end - start) * i / (steps - 1);
}
}  // namespace

double hz_to_mel(double hz, MelScale scale) {
  if (scale == MelScale::Htk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  if (hz >= kSlaneyMinLogHz)
    return kSlaneyMinLogMel + std::log(hz / kSlaneyMinLogHz) / kSlaneyLogStep;
  return hz / kSlaneyFSp;
}

double mel_to_hz(double mel, MelScale scale) {
  if (scale == MelScale::Htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  if (mel >= kSlaneyMinLogMel)
    return kSlaneyMinLogHz * std::exp(kSlaneyLogStep * (mel - kSlaneyMinLogMel));
  return kSlaneyFSp * mel;
}

std::vector<double> melscale_fbanks(int n_freqs, double f_min, double f_max, int n_mels,
                                    int sample_rate, MelNorm norm, MelScale scale) {
  CALMSPACE_CHECK(n_freqs >= 1 && n_mels >= 1, "n_freqs ", n_freqs, " n_mels ", n_mels);
  const double m_min = hz_to_mel(f_min, scale);
  const double m_max = hz_to_mel(f_max, scale);
  std::vector<double> f_pts(static_cast<std::size_t>(n_mels) + 2);
  for (int i = 0; i < n_mels + 2; ++i)
    f_pts[static_cast<std::size_t>(i)] = mel_to_hz(linspace(m_min, m_max, n_mels + 2, i), scale);
  std::vector<double> fb(static_cast<std::size_t>(n_freqs) * n_mels, 0.0);
  for (int k = 0; k < n_freqs; ++k) {
    // sample_rate // 2 as torchaudio: integer division on purpose
    const double f =
        linspace(0.0, sample_rate / 2, n_freqs, k);  // NOLINT(bugprone-integer-division)
    for (int m = 0; m < n_mels; ++m) {
      const double lo = f_pts[m], mid = f_pts[m + 1], hi = f_pts[m + 2];
      const double down = (f - lo) / (mid - lo);  // -slopes[:, m] / f_diff[m]
      const double up = (hi - f) / (hi - mid);    // slopes[:, m+2] / f_diff[m+1]
      double w = std::max(0.0, std::min(down, up));
      if (norm == MelNorm::Slaney) w *= 2.0 / (hi - lo);
      fb[static_cast<std::size_t>(k) * n_mels + m] = w;
    }
  }
  return fb;
}

MelFilterbank::MelFilterbank(const FeatureOptions& options, int sample_rate)
    : MelFilterbank(
          options.num_bins(sample_rate), options.n_mels,
          melscale_fbanks(options.num_bins(sample_rate), options.f_min,
                          // sample_rate // 2 as torchaudio: integer division on purpose
                          options.f_max > 0
                              ? options.f_max
                              : double(sample_rate / 2),  // NOLINT(bugprone-integer-division)
                          options.n_mels, sample_rate, options.mel_norm, options.mel_scale)) {}

MelFilterbank::MelFilterbank(int n_freqs, int n_mels, const std::vector<double>& dense)
    : n_freqs_(n_freqs), n_mels_(n_mels) {
  CALMSPACE_CHECK(dense.size() == static_cast<std::size_t>(n_freqs) * n_mels, "dense size");
  for (int m = 0; m < n_mels; ++m) {
    int b = 0, e = 0;
    for (int k = 0; k < n_freqs; ++k) {
      if (dense[static_cast<std::size_t>(k) * n_mels + m] != 0.0) {
        if (e == 0) b = k;
        e = k + 1;
      }
    }
    begin_.push_back(b);
    end_.push_back(e < b ? b : e);
    offset_.push_back(static_cast<int>(weights_.size()));
    for (int k = b; k < e; ++k)
      weights_.push_back(static_cast<float>(dense[static_cast<std::size_t>(k) * n_mels + m]));
  }
}

float MelFilterbank::weight(int m, int bin) const {
  if (bin < begin(m) || bin >= end(m)) return 0.0f;
  return weights_[static_cast<std::size_t>(offset_[static_cast<std::size_t>(m)] + bin - begin(m))];
}

}  // namespace calmspace
