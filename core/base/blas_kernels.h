// Which kernel set OpenBLAS runs. OpenBLAS picks it when the library loads, from the CPU or from
// the environment variable OPENBLAS_CORETYPE (e.g. "Haswell" for AVX2, "SkylakeX" for AVX-512).
// OpenBLAS 0.3.21 (Debian 12) predates its detection of AMD Zen 4 and 5, so on those CPUs it runs
// AVX2 kernels unless told otherwise.
#pragma once

namespace calmspace {

const char* blas_kernels();  // e.g. "Haswell"

}  // namespace calmspace
