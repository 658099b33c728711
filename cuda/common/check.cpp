#include "cuda/common/check.h"

namespace calmspace::cuda::detail {

void throw_cuda(cudaError_t status, const char* call, const char* file, int line) {
  throw Error(cat(call, " failed: ", cudaGetErrorName(status), " (", cudaGetErrorString(status),
                  ") at ", file, ":", line));
}

void throw_cudnn(cudnnStatus_t status, const char* call, const char* file, int line) {
  throw Error(cat(call, " failed: ", cudnnGetErrorString(status), " at ", file, ":", line));
}

const char* cufft_status_name(cufftResult status) {
  switch (status) {
    case CUFFT_SUCCESS:
      return "CUFFT_SUCCESS";
    case CUFFT_INVALID_PLAN:
      return "CUFFT_INVALID_PLAN";
    case CUFFT_ALLOC_FAILED:
      return "CUFFT_ALLOC_FAILED";
    case CUFFT_INVALID_VALUE:
      return "CUFFT_INVALID_VALUE";
    case CUFFT_INTERNAL_ERROR:
      return "CUFFT_INTERNAL_ERROR";
    case CUFFT_EXEC_FAILED:
      return "CUFFT_EXEC_FAILED";
    case CUFFT_SETUP_FAILED:
      return "CUFFT_SETUP_FAILED";
    case CUFFT_INVALID_SIZE:
      return "CUFFT_INVALID_SIZE";
    default:
      return "CUFFT error";
  }
}

void throw_cufft(cufftResult status, const char* call, const char* file, int line) {
  throw Error(cat(call, " failed: ", cufft_status_name(status), " (", static_cast<int>(status),
                  ") at ", file, ":", line));
}

}  // namespace calmspace::cuda::detail
