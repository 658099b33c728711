// Checked calls for every CUDA library: on failure, throw calmspace::Error naming the call, its
// status name and string, the file and the line. Use for every runtime, cuDNN and cuFFT call, and
// CALMSPACE_CUDA_CHECK_LAUNCH() right after every kernel launch.
#pragma once

#include <cuda_runtime.h>
#include <cudnn.h>
#include <cufft.h>

#include "core/base/error.h"

namespace calmspace::cuda::detail {

[[noreturn]] void throw_cuda(cudaError_t status, const char* call, const char* file, int line);
[[noreturn]] void throw_cudnn(cudnnStatus_t status, const char* call, const char* file, int line);
[[noreturn]] void throw_cufft(cufftResult status, const char* call, const char* file, int line);
const char* cufft_status_name(cufftResult status);

}  // namespace calmspace::cuda::detail

#define CALMSPACE_CUDA_CHECK(call)                                                         \
  do {                                                                                     \
    const cudaError_t calmspace_status_ = (call);                                          \
    if (calmspace_status_ != cudaSuccess)                                                  \
      ::calmspace::cuda::detail::throw_cuda(calmspace_status_, #call, __FILE__, __LINE__); \
  } while (0)

#define CALMSPACE_CUDNN_CHECK(call)                                                         \
  do {                                                                                      \
    const cudnnStatus_t calmspace_status_ = (call);                                         \
    if (calmspace_status_ != CUDNN_STATUS_SUCCESS)                                          \
      ::calmspace::cuda::detail::throw_cudnn(calmspace_status_, #call, __FILE__, __LINE__); \
  } while (0)

#define CALMSPACE_CUFFT_CHECK(call)                                                         \
  do {                                                                                      \
    const cufftResult calmspace_status_ = (call);                                           \
    if (calmspace_status_ != CUFFT_SUCCESS)                                                 \
      ::calmspace::cuda::detail::throw_cufft(calmspace_status_, #call, __FILE__, __LINE__); \
  } while (0)

// After a <<<...>>> launch: catches bad launch configurations at once.
#define CALMSPACE_CUDA_CHECK_LAUNCH() CALMSPACE_CUDA_CHECK(cudaGetLastError())
