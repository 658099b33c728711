// CALMSPACE_CUBLAS_CHECK: cuBLAS's member of the check-macro family in cuda/common/check.h (throws
// calmspace::Error naming the call, the status name and string, the file and the line).
#pragma once

#include <cublas_v2.h>

#include "core/base/error.h"

namespace calmspace::cuda::detail {

[[noreturn]] inline void throw_cublas(cublasStatus_t status, const char* call, const char* file,
                                      int line) {
  throw Error(cat(call, " failed: ", cublasGetStatusName(status), " (",
                  cublasGetStatusString(status), ") at ", file, ":", line));
}

}  // namespace calmspace::cuda::detail

#define CALMSPACE_CUBLAS_CHECK(call)                                                         \
  do {                                                                                       \
    const cublasStatus_t calmspace_status_ = (call);                                         \
    if (calmspace_status_ != CUBLAS_STATUS_SUCCESS)                                          \
      ::calmspace::cuda::detail::throw_cublas(calmspace_status_, #call, __FILE__, __LINE__); \
  } while (0)
