#include "core/base/blas_kernels.h"

#include <cblas.h>

namespace calmspace {

const char* blas_kernels() {
  const char* name = openblas_get_corename();
  return name ? name : "unknown";
}

}  // namespace calmspace
