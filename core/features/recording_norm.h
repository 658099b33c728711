// The steps that need all of a recording's rows at once, after deltas:
//   [prosody normalisation (prosody.h), then the prosody columns' deltas again from the
//   normalised values] -> [per-utterance CMVN (cmvn.h)]
// CpuFeatureExtractor applies them to each clip; a caller of FeatureStream holds the rows when
// needs_whole_recording() says so and applies them at the end, with the same result bit for bit.
#pragma once

#include <cstdint>

#include "core/config/feature_options.h"

namespace calmspace {

bool needs_whole_recording(const FeatureOptions& options);

// rows: (frames, feature_dim) row-major, deltas already computed, in place.
void finish_recording(float* rows, std::int64_t frames, const FeatureOptions& options,
                      int sample_rate);

}  // namespace calmspace
