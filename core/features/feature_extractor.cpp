#include "core/features/feature_extractor.h"

#include <atomic>

#include "core/base/device.h"
#include "core/base/error.h"
#include "core/base/gpu_plugin.h"

namespace calmspace {
namespace {

std::atomic<GpuFeatureFactory> gpu_factory{nullptr};

}  // namespace

FeatureMatrix FeatureExtractor::extract(std::span<const float> clip) {
  const std::span<const float> clips[] = {clip};
  PaddedBatch batch = extract_batch(clips);
  FeatureMatrix out;
  out.frames = batch.lengths[0];
  out.dim = batch.dim;
  out.data.assign(batch.data.begin(), batch.data.begin() + out.frames * out.dim);
  return out;
}

void register_gpu_feature_backend(GpuFeatureFactory factory) {
  gpu_factory = factory;
}

std::unique_ptr<FeatureExtractor> make_feature_extractor(const FeatureOptions& options,
                                                         int sample_rate, const std::string& device,
                                                         const std::string& key) {
  const ResolvedDevice where = resolve_device(device, key);
  if (!where.cuda) return make_cpu_feature_extractor(options, sample_rate);
  load_gpu_plugin();  // resolve_device found a GPU, so the library is loaded and registered
  const GpuFeatureFactory factory = gpu_factory.load();
  if (!factory) throw InputError(key, "the CUDA library registered no feature backend");
  return factory(options, sample_rate, where.index);
}

}  // namespace calmspace
