#include "core/features/speaker_norm.h"

#include "core/base/error.h"

namespace calmspace {

std::map<int, FeatureStats> speaker_stats(std::span<const FeatureMatrix> clips,
                                          std::span<const int> speakers) {
  CALMSPACE_CHECK(clips.size() == speakers.size(), clips.size(), " clips, ", speakers.size(),
                  " speakers");
  std::map<int, FeatureStatsAccumulator> sums;
  for (std::size_t k = 0; k < clips.size(); ++k)
    sums.try_emplace(speakers[k], clips[k].dim).first->second.add(clips[k]);
  std::map<int, FeatureStats> out;
  for (const auto& [speaker, acc] : sums) {
    FeatureStats s = acc.finish();
    if (s.frames == 0)
      throw InputError("features.speaker_norm",
                       cat("speaker ", speaker, " has no feature frame to take statistics from"));
    out.emplace(speaker, std::move(s));
  }
  return out;
}

void apply_speaker_norm(FeatureMatrix& clip, const FeatureStats& stats, Cmvn mode) {
  if (mode == Cmvn::None) return;
  CALMSPACE_CHECK(static_cast<std::int64_t>(stats.mean.size()) == clip.dim, "statistics of ",
                  stats.mean.size(), " features for a clip of ", clip.dim);
  for (std::int64_t t = 0; t < clip.frames; ++t)
    for (std::int64_t f = 0; f < clip.dim; ++f) {
      float& v = clip.data[static_cast<std::size_t>(t * clip.dim + f)];
      const auto i = static_cast<std::size_t>(f);
      v = mode == Cmvn::MeanVar ? (v - stats.mean[i]) / stats.std[i] : v - stats.mean[i];
    }
}

}  // namespace calmspace
