#include "cuda/common/gpu_memory.h"

#include <cuda_runtime.h>

#include <utility>

#include "cuda/common/check.h"

namespace calmspace::cuda {

GpuBytes::GpuBytes(std::size_t bytes, int device) : bytes_(bytes) {
  CALMSPACE_CUDA_CHECK(cudaSetDevice(device));
  if (bytes_ > 0) CALMSPACE_CUDA_CHECK(cudaMalloc(&data_, bytes_));
}

GpuBytes::~GpuBytes() {
  if (data_) cudaFree(data_);
}

GpuBytes::GpuBytes(GpuBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

GpuBytes& GpuBytes::operator=(GpuBytes&& other) noexcept {
  if (this != &other) {
    if (data_) cudaFree(data_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void GpuBytes::upload(const void* host, std::size_t bytes) {
  CALMSPACE_CHECK(bytes <= bytes_, "upload of ", bytes, " bytes into ", bytes_);
  if (bytes > 0) CALMSPACE_CUDA_CHECK(cudaMemcpy(data_, host, bytes, cudaMemcpyHostToDevice));
}

void GpuBytes::download(void* host, std::size_t bytes) const {
  CALMSPACE_CHECK(bytes <= bytes_, "download of ", bytes, " bytes from ", bytes_);
  if (bytes > 0) CALMSPACE_CUDA_CHECK(cudaMemcpy(host, data_, bytes, cudaMemcpyDeviceToHost));
}

void GpuBytes::fill(unsigned char byte) {
  if (bytes_ > 0) CALMSPACE_CUDA_CHECK(cudaMemset(data_, byte, bytes_));
}

GpuStream::GpuStream(int device) {
  CALMSPACE_CUDA_CHECK(cudaSetDevice(device));
  cudaStream_t s = nullptr;
  CALMSPACE_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  stream_ = s;
}

GpuStream::~GpuStream() {
  if (stream_) cudaStreamDestroy(static_cast<cudaStream_t>(stream_));
}

GpuStream::GpuStream(GpuStream&& other) noexcept : stream_(std::exchange(other.stream_, nullptr)) {}

GpuStream& GpuStream::operator=(GpuStream&& other) noexcept {
  if (this != &other) {
    if (stream_) cudaStreamDestroy(static_cast<cudaStream_t>(stream_));
    stream_ = std::exchange(other.stream_, nullptr);
  }
  return *this;
}

void GpuStream::synchronize() const {
  CALMSPACE_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(stream_)));
}

GpuTimer::GpuTimer(void* stream) : stream_(stream) {
  cudaEvent_t begin = nullptr, end = nullptr;
  CALMSPACE_CUDA_CHECK(cudaEventCreate(&begin));
  const cudaError_t status = cudaEventCreate(&end);
  if (status != cudaSuccess) {
    cudaEventDestroy(begin);
    CALMSPACE_CUDA_CHECK(status);
  }
  begin_ = begin;
  end_ = end;
}

GpuTimer::~GpuTimer() {
  cudaEventDestroy(static_cast<cudaEvent_t>(begin_));
  cudaEventDestroy(static_cast<cudaEvent_t>(end_));
}

void GpuTimer::start() {
  CALMSPACE_CUDA_CHECK(
      cudaEventRecord(static_cast<cudaEvent_t>(begin_), static_cast<cudaStream_t>(stream_)));
}

double GpuTimer::stop_ms() {
  CALMSPACE_CUDA_CHECK(
      cudaEventRecord(static_cast<cudaEvent_t>(end_), static_cast<cudaStream_t>(stream_)));
  CALMSPACE_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(end_)));
  float ms = 0;
  CALMSPACE_CUDA_CHECK(
      cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(begin_), static_cast<cudaEvent_t>(end_)));
  return ms;
}

}  // namespace calmspace::cuda
