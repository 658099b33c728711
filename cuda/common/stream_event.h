// A CUDA stream and a CUDA event as owned handles (core/base/unique_handle.h): created checked,
// destroyed without throwing.
#pragma once

#include <cuda_runtime.h>

#include "core/base/unique_handle.h"
#include "cuda/common/check.h"

namespace calmspace::cuda {

struct StreamTraits {
  using Handle = cudaStream_t;
  static cudaStream_t null() noexcept { return nullptr; }
  static void close(cudaStream_t s) noexcept { cudaStreamDestroy(s); }
};
struct EventTraits {
  using Handle = cudaEvent_t;
  static cudaEvent_t null() noexcept { return nullptr; }
  static void close(cudaEvent_t e) noexcept { cudaEventDestroy(e); }
};

class Stream : public UniqueHandle<StreamTraits> {
 public:
  // A non-blocking stream: it never implicitly synchronises with the legacy default stream.
  Stream() { CALMSPACE_CUDA_CHECK(cudaStreamCreateWithFlags(out(), cudaStreamNonBlocking)); }
  operator cudaStream_t() const { return get(); }  // NOLINT: passes straight into the C API
  void synchronize() const { CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(get())); }
};

class Event : public UniqueHandle<EventTraits> {
 public:
  // timing = false: cudaEventDisableTiming (cheapest, for ordering only).
  explicit Event(bool timing = false) {
    CALMSPACE_CUDA_CHECK(
        cudaEventCreateWithFlags(out(), timing ? cudaEventDefault : cudaEventDisableTiming));
  }
  operator cudaEvent_t() const { return get(); }  // NOLINT: passes straight into the C API
  void record(cudaStream_t stream) { CALMSPACE_CUDA_CHECK(cudaEventRecord(get(), stream)); }
  void synchronize() const { CALMSPACE_CUDA_CHECK(cudaEventSynchronize(get())); }
};

}  // namespace calmspace::cuda
