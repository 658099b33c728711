// Offers the CUDA backends to core/ (the runtime report, CUDA features, cuDNN models). Called when
// the library loads (core/gpu_plugin.h, through calmspace_cuda_library_init); tests that link the
// library may call it directly. In a build without CUDA it registers backends that say why none
// exists.
#pragma once

namespace calmspace::cuda {

void register_backends();

}  // namespace calmspace::cuda
