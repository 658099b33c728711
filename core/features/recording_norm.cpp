#include "core/features/recording_norm.h"

#include "core/features/cmvn.h"
#include "core/features/deltas.h"
#include "core/features/prosody.h"

namespace calmspace {

bool needs_whole_recording(const FeatureOptions& options) {
  return options.cmvn != Cmvn::None || options.extra_dim() > 0;
}

void finish_recording(float* rows, std::int64_t frames, const FeatureOptions& options,
                      int sample_rate) {
  const int dim = options.feature_dim(sample_rate);
  const int base = options.base_dim(sample_rate);
  const int extra = options.extra_dim();
  if (extra > 0 && frames > 0) {
    normalise_prosody(rows, frames, dim, ProsodyColumns::of(options, sample_rate));
    // The prosody columns sit at [spectral, base) of each block of base values.
    const int first = options.spectral_dim(sample_rate);
    for (int order = 1; order <= options.deltas; ++order)
      compute_deltas(rows + (order - 1) * base + first, dim, rows + order * base + first, dim,
                     frames, extra, options.delta_window);
  }
  apply_cmvn(rows, frames, dim, options.cmvn);
}

}  // namespace calmspace
