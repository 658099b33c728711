// Compiled instead of cuda/common/gpu_memory.cpp when CMake found no CUDA toolkit: same API; every
// constructor that would touch a GPU throws.
#include "core/base/error.h"
#include "cuda/common/gpu_memory.h"

namespace calmspace::cuda {
namespace {
[[noreturn]] void unavailable(const char* what) {
  throw Error(cat(what, ": this build of CalmSpace has no CUDA support (built without CUDA)"));
}
}  // namespace

GpuBytes::GpuBytes(std::size_t, int) {
  unavailable("GpuBytes");
}
GpuBytes::~GpuBytes() = default;
GpuBytes::GpuBytes(GpuBytes&&) noexcept = default;
GpuBytes& GpuBytes::operator=(GpuBytes&&) noexcept = default;
void GpuBytes::upload(const void*, std::size_t) {
  unavailable("GpuBytes::upload");
}
void GpuBytes::download(void*, std::size_t) const {
  unavailable("GpuBytes::download");
}
void GpuBytes::fill(unsigned char) {
  unavailable("GpuBytes::fill");
}

GpuStream::GpuStream(int) {
  unavailable("GpuStream");
}
GpuStream::~GpuStream() = default;
GpuStream::GpuStream(GpuStream&&) noexcept = default;
GpuStream& GpuStream::operator=(GpuStream&&) noexcept = default;
void GpuStream::synchronize() const {
  unavailable("GpuStream::synchronize");
}

GpuTimer::GpuTimer(void* stream) : stream_(stream) {
  begin_ = end_ = stream_;  // the fields the CUDA build uses: used here too (clang's warning)
  unavailable("GpuTimer");
}
GpuTimer::~GpuTimer() = default;
void GpuTimer::start() {
  unavailable("GpuTimer::start");
}
double GpuTimer::stop_ms() {
  unavailable("GpuTimer::stop_ms");
}

}  // namespace calmspace::cuda
