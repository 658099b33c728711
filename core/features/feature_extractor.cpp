#include "core/features/feature_extractor.h"

namespace calmspace {

FeatureMatrix FeatureExtractor::extract(std::span<const float> clip) {
  const std::span<const float> clips[] = {clip};
  PaddedBatch batch = extract_batch(clips);
  FeatureMatrix out;
  out.frames = batch.lengths[0];
  out.dim = batch.dim;
  out.data.assign(batch.data.begin(), batch.data.begin() + out.frames * out.dim);
  return out;
}

}  // namespace calmspace
