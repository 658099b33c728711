// The feature stage's narrow interface. The CPU reference lives in core/features; the CUDA
// implementation in cuda/features. Both take the same FeatureOptions and produce the same padded
// layout, so a model never knows which computed its inputs. make_feature_extractor() is the one
// place that chooses between them.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "core/base/tensor.h"
#include "core/config/feature_options.h"

namespace calmspace {

class FeatureExtractor {
 public:
  virtual ~FeatureExtractor() = default;

  virtual const FeatureOptions& options() const = 0;
  virtual int sample_rate() const = 0;
  virtual std::string backend_name() const = 0;

  // Many clips of different lengths (mono samples at sample_rate()) -> one (B, T_max, F) batch,
  // zero-padded, with each clip's frame count. A clip's rows are identical whether it is
  // extracted alone or in any batch.
  virtual PaddedBatch extract_batch(std::span<const std::span<const float>> clips) = 0;

  // One clip -> (T, F).
  FeatureMatrix extract(std::span<const float> clip);
  int feature_dim() const { return options().feature_dim(sample_rate()); }
};

// The CPU reference backend (FFTW). Validates the options (InputError naming the key).
std::unique_ptr<FeatureExtractor> make_cpu_feature_extractor(const FeatureOptions& options,
                                                             int sample_rate);

// THE factory of the feature stage. `device`: cpu, cuda, cuda:N, or auto (the GPU when one is
// usable, else the CPU; core/device.h), as features.device or train.device say; `key` names the
// setting in errors. The CUDA backend is the one the CUDA library registered as it loaded.
std::unique_ptr<FeatureExtractor> make_feature_extractor(
    const FeatureOptions& options, int sample_rate, const std::string& device = "cpu",
    const std::string& key = "features.device");

// What the CUDA library registers: a CUDA FeatureExtractor on GPU `device`.
using GpuFeatureFactory = std::unique_ptr<FeatureExtractor> (*)(const FeatureOptions& options,
                                                                int sample_rate, int device);
void register_gpu_feature_backend(GpuFeatureFactory factory);

}  // namespace calmspace
