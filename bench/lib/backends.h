// Backend creation for the benchmarks: ONE function per stage, so a CUDA backend slots in by
// adding one branch each (the CUDA factories live in cuda/).
//   make_bench_model     SequenceModel (core/model/sequence_model.h): "cpu", "cuda" (cuDNN)
//   make_bench_features  FeatureExtractor (core/features/feature_extractor.h): "cpu", "cuda"
// Backends a build cannot run report why (InputError naming --backend), so the benchmark is
// skipped with that reason instead of crashing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/base/error.h"
#include "core/features/feature_extractor.h"
#include "core/model/backend.h"
#include "core/model/sequence_model.h"
#include "cuda/features/feature_extractor_cuda.h"

namespace calmspace::bench {

// Whether the SequenceModel of `backend` times backward-data and backward-weights apart.
// The CPU backend's backward() computes both in one pass (its interface has one call), so its
// benchmarks time them together as "bwd" and say so.
inline bool splits_backward(const std::string& backend) {
  (void)backend;
  return false;
}

inline std::unique_ptr<SequenceModel> make_bench_model(const std::string& backend,
                                                       const ModelOptions& options, int input_dim,
                                                       int num_classes, std::uint64_t seed,
                                                       int threads) {
  if (backend == "cpu") {
    auto model = make_cpu_sequence_model(options, input_dim, num_classes, seed);
    model->set_num_threads(threads);
    return model;
  }
  // cuDNN through the one factory (core/model/backend.h), strict FP32; throws the runtime's reason
  // when no GPU is usable. Its work runs on model->device_stream() (time it with CUDA events).
  if (backend == "cuda")
    return make_sequence_model(options, input_dim, num_classes, seed, {"cuda", Precision::Fp32});
  throw InputError("--backend", cat("'", backend, "' is not a model backend (cpu, cuda)"));
}

inline std::unique_ptr<FeatureExtractor> make_bench_features(const std::string& backend,
                                                             FeatureOptions options,
                                                             int sample_rate, int threads) {
  if (backend == "cpu") {
    options.num_threads = threads;
    return make_cpu_feature_extractor(options, sample_rate);
  }
  // CUDA (cuda/features/feature_extractor_cuda.h): throws Error with the runtime's reason when no
  // GPU is usable, "built without CUDA" in a build without it; threads do not apply.
  if (backend == "cuda") return make_cuda_feature_extractor(options, sample_rate);
  throw InputError("--backend", cat("'", backend, "' is not a feature backend (cpu, cuda)"));
}

}  // namespace calmspace::bench
