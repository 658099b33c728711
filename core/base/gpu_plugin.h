// The CUDA library (cuda/) is a shared library of its own, loaded with dlopen the first time a
// program asks for a GPU (a device "auto" or "cuda", `calmspace devices`, a benchmark's machine
// record). A CPU-only run never loads the CUDA toolkit: cuBLASLt alone costs 0.3 s and 150 MB
// resident at load. On load the library registers its backends with each stage's registry
// (gpu_runtime.h, core/model/backend_registry.h, core/features/feature_extractor.h).
// Where it is looked for: $CALMSPACE_CUDA_LIBRARY, then ../cuda/ beside the running program (the
// build tree), then the build tree this program was compiled in.
#pragma once

#include <string>

namespace calmspace {

// Loads and initialises the CUDA library once per process. Empty when it is loaded; otherwise
// why not (no CUDA in this build, the file missing, the dynamic linker's error).
const std::string& load_gpu_plugin();

}  // namespace calmspace
