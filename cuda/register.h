// Offers the CUDA backends to core/ (core/model/backend_registry.h). Programs and tests call it
// once at start; in a build without CUDA it registers a backend that reports why none exists.
#pragma once

namespace calmspace::cuda {

void register_backends();

}  // namespace calmspace::cuda
