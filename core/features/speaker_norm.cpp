#include "core/features/speaker_norm.h"

#include <algorithm>
#include <cmath>

#include "core/base/error.h"

namespace calmspace {

namespace {
constexpr double kMinSpeakerStd = 1e-5;

struct Sums {
  std::vector<double> sum, sum_sq;
  std::int64_t frames = 0;
};
}  // namespace

std::map<int, SpeakerStats> speaker_stats(std::span<const FeatureMatrix> clips,
                                          std::span<const int> speakers) {
  CALMSPACE_CHECK(clips.size() == speakers.size(), clips.size(), " clips, ", speakers.size(),
                  " speakers");
  std::map<int, Sums> sums;
  for (std::size_t k = 0; k < clips.size(); ++k) {
    const FeatureMatrix& m = clips[k];
    Sums& s = sums[speakers[k]];
    if (s.sum.empty()) {
      s.sum.assign(static_cast<std::size_t>(m.dim), 0.0);
      s.sum_sq.assign(static_cast<std::size_t>(m.dim), 0.0);
    }
    CALMSPACE_CHECK(static_cast<std::int64_t>(s.sum.size()) == m.dim, "feature dim ", m.dim,
                    " != ", s.sum.size());
    for (std::int64_t t = 0; t < m.frames; ++t)
      for (std::int64_t f = 0; f < m.dim; ++f) {
        const double v = m.data[static_cast<std::size_t>(t * m.dim + f)];
        s.sum[static_cast<std::size_t>(f)] += v;
        s.sum_sq[static_cast<std::size_t>(f)] += v * v;
      }
    s.frames += m.frames;
  }
  std::map<int, SpeakerStats> out;
  for (const auto& [speaker, s] : sums) {
    if (s.frames == 0)
      throw InputError("features.speaker_norm",
                       cat("speaker ", speaker, " has no feature frame to take statistics from"));
    SpeakerStats& st = out[speaker];
    st.frames = s.frames;
    const double n = static_cast<double>(s.frames);
    for (std::size_t f = 0; f < s.sum.size(); ++f) {
      const double mean = s.sum[f] / n;
      // E[x^2] - mean^2 can dip below zero by rounding for a constant band.
      const double var = std::max(0.0, s.sum_sq[f] / n - mean * mean);
      st.mean.push_back(mean);
      st.std.push_back(std::max(std::sqrt(var), kMinSpeakerStd));
    }
  }
  return out;
}

void apply_speaker_norm(FeatureMatrix& clip, const SpeakerStats& stats, Cmvn mode) {
  if (mode == Cmvn::None) return;
  CALMSPACE_CHECK(static_cast<std::int64_t>(stats.mean.size()) == clip.dim, "statistics of ",
                  stats.mean.size(), " features for a clip of ", clip.dim);
  for (std::int64_t t = 0; t < clip.frames; ++t)
    for (std::int64_t f = 0; f < clip.dim; ++f) {
      float& v = clip.data[static_cast<std::size_t>(t * clip.dim + f)];
      const double d = v - stats.mean[static_cast<std::size_t>(f)];
      v = static_cast<float>(mode == Cmvn::MeanVar ? d / stats.std[static_cast<std::size_t>(f)]
                                                   : d);
    }
}

}  // namespace calmspace
