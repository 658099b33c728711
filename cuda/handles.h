// Move-only owners of every CUDA, cuDNN and cuBLAS object the cuDNN backend holds. Creation is
// checked (throws naming the call); destruction never throws (status ignored in destructors).
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>
#include <utility>

#include "cuda/check.h"
#include "cuda/cublas_check.h"
#include "cuda/pinned_buffer.h"

namespace calmspace::cuda {

// Owner of one handle-like pointer: Traits::create(&h) (checked) and Traits::destroy(h).
template <class Traits>
class Owned {
 public:
  using Handle = typename Traits::Handle;
  Owned() { Traits::create(&h_); }
  ~Owned() {
    if (h_) Traits::destroy(h_);
  }
  Owned(Owned&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Owned& operator=(Owned&& o) noexcept {
    if (this != &o) {
      if (h_) Traits::destroy(h_);
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  Handle get() const { return h_; }
  operator Handle() const { return h_; }  // NOLINT: pass straight to the C APIs

 private:
  Handle h_ = nullptr;
};

struct StreamTraits {
  using Handle = cudaStream_t;
  static void create(Handle* h) {
    CALMSPACE_CUDA_CHECK(cudaStreamCreateWithFlags(h, cudaStreamNonBlocking));
  }
  static void destroy(Handle h) { cudaStreamDestroy(h); }
};
struct EventTraits {
  using Handle = cudaEvent_t;
  static void create(Handle* h) {
    CALMSPACE_CUDA_CHECK(cudaEventCreateWithFlags(h, cudaEventDisableTiming));
  }
  static void destroy(Handle h) { cudaEventDestroy(h); }
};
struct CudnnTraits {
  using Handle = cudnnHandle_t;
  static void create(Handle* h) { CALMSPACE_CUDNN_CHECK(cudnnCreate(h)); }
  static void destroy(Handle h) { cudnnDestroy(h); }
};
struct CublasTraits {
  using Handle = cublasHandle_t;
  static void create(Handle* h) { CALMSPACE_CUBLAS_CHECK(cublasCreate(h)); }
  static void destroy(Handle h) { cublasDestroy(h); }
};
struct RnnDescTraits {
  using Handle = cudnnRNNDescriptor_t;
  static void create(Handle* h) { CALMSPACE_CUDNN_CHECK(cudnnCreateRNNDescriptor(h)); }
  static void destroy(Handle h) { cudnnDestroyRNNDescriptor(h); }
};
struct RnnDataDescTraits {
  using Handle = cudnnRNNDataDescriptor_t;
  static void create(Handle* h) { CALMSPACE_CUDNN_CHECK(cudnnCreateRNNDataDescriptor(h)); }
  static void destroy(Handle h) { cudnnDestroyRNNDataDescriptor(h); }
};
struct TensorDescTraits {
  using Handle = cudnnTensorDescriptor_t;
  static void create(Handle* h) { CALMSPACE_CUDNN_CHECK(cudnnCreateTensorDescriptor(h)); }
  static void destroy(Handle h) { cudnnDestroyTensorDescriptor(h); }
};
struct DropoutDescTraits {
  using Handle = cudnnDropoutDescriptor_t;
  static void create(Handle* h) { CALMSPACE_CUDNN_CHECK(cudnnCreateDropoutDescriptor(h)); }
  static void destroy(Handle h) { cudnnDestroyDropoutDescriptor(h); }
};

using Stream = Owned<StreamTraits>;
using Event = Owned<EventTraits>;
using CudnnHandle = Owned<CudnnTraits>;
using CublasHandle = Owned<CublasTraits>;
using RnnDescriptor = Owned<RnnDescTraits>;
using RnnDataDescriptor = Owned<RnnDataDescTraits>;
using TensorDescriptor = Owned<TensorDescTraits>;
using DropoutDescriptor = Owned<DropoutDescTraits>;

// Page-locked host memory: PinnedBuffer<T> (cuda/pinned_buffer.h).

// Grows a buffer to at least `count` elements (contents are not kept); never shrinks.
template <class Buffer>
void ensure_capacity(Buffer& buffer, std::size_t count) {
  if (buffer.size() < count) buffer = Buffer(count);
}

}  // namespace calmspace::cuda
