// Move-only owners of every cuDNN and cuBLAS object the cuDNN backend holds (streams and events:
// stream_event.h). Creation is checked (throws naming the call); destruction never throws.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>
#include <utility>

#include "core/base/unique_handle.h"

#include "cuda/common/check.h"
#include "cuda/common/cublas_check.h"
#include "cuda/common/pinned_buffer.h"
#include "cuda/common/stream_event.h"

namespace calmspace::cuda {

// Owner of one cuDNN or cuBLAS handle or descriptor: created checked on construction
// (Traits::create names the call that failed), released by UniqueHandle
// (core/base/unique_handle.h).
template <class Traits>
class Owned : public UniqueHandle<Traits> {
 public:
  using Handle = typename Traits::Handle;
  Owned() { Traits::create(this->out()); }
  operator Handle() const { return this->get(); }  // NOLINT: passes straight into the C APIs
};

#define CALMSPACE_CUDA_OWNED_TRAITS(Name, Type, Create, Destroy, Check) \
  struct Name {                                                         \
    using Handle = Type;                                                \
    static Type null() noexcept { return nullptr; }                     \
    static void create(Type* h) { Check(Create(h)); }                   \
    static void close(Type h) noexcept { Destroy(h); }                  \
  }
CALMSPACE_CUDA_OWNED_TRAITS(CudnnTraits, cudnnHandle_t, cudnnCreate, cudnnDestroy,
                            CALMSPACE_CUDNN_CHECK);
CALMSPACE_CUDA_OWNED_TRAITS(CublasTraits, cublasHandle_t, cublasCreate, cublasDestroy,
                            CALMSPACE_CUBLAS_CHECK);
CALMSPACE_CUDA_OWNED_TRAITS(RnnDescTraits, cudnnRNNDescriptor_t, cudnnCreateRNNDescriptor,
                            cudnnDestroyRNNDescriptor, CALMSPACE_CUDNN_CHECK);
CALMSPACE_CUDA_OWNED_TRAITS(RnnDataDescTraits, cudnnRNNDataDescriptor_t,
                            cudnnCreateRNNDataDescriptor, cudnnDestroyRNNDataDescriptor,
                            CALMSPACE_CUDNN_CHECK);
CALMSPACE_CUDA_OWNED_TRAITS(TensorDescTraits, cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor,
                            cudnnDestroyTensorDescriptor, CALMSPACE_CUDNN_CHECK);
CALMSPACE_CUDA_OWNED_TRAITS(DropoutDescTraits, cudnnDropoutDescriptor_t,
                            cudnnCreateDropoutDescriptor, cudnnDestroyDropoutDescriptor,
                            CALMSPACE_CUDNN_CHECK);
#undef CALMSPACE_CUDA_OWNED_TRAITS

// Streams and events: cuda/stream_event.h.
using CudnnHandle = Owned<CudnnTraits>;
using CublasHandle = Owned<CublasTraits>;
using RnnDescriptor = Owned<RnnDescTraits>;
using RnnDataDescriptor = Owned<RnnDataDescTraits>;
using TensorDescriptor = Owned<TensorDescTraits>;
using DropoutDescriptor = Owned<DropoutDescTraits>;

// Page-locked host memory: PinnedBuffer<T> (cuda/common/pinned_buffer.h).

// Grows a buffer to at least `count` elements (contents are not kept); never shrinks.
template <class Buffer>
void ensure_capacity(Buffer& buffer, std::size_t count) {
  if (buffer.size() < count) buffer = Buffer(count);
}

}  // namespace calmspace::cuda
