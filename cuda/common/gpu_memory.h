// GPU memory, streams and event timing for host code that must not include CUDA headers (tests,
// benchmarks, training glue). Move-only owners; destructors never throw. Built from
// cuda/common/gpu_memory.cpp with CUDA, from cuda/stub/gpu_memory_unavailable.cpp without it (there
// every constructor throws "built without CUDA").
#pragma once

#include <cstddef>

namespace calmspace::cuda {

// `bytes` bytes of device memory on GPU `device` (cudaMalloc), uninitialised.
class GpuBytes {
 public:
  GpuBytes() = default;
  explicit GpuBytes(std::size_t bytes, int device = 0);
  ~GpuBytes();
  GpuBytes(GpuBytes&& other) noexcept;
  GpuBytes& operator=(GpuBytes&& other) noexcept;
  GpuBytes(const GpuBytes&) = delete;
  GpuBytes& operator=(const GpuBytes&) = delete;

  void* data() const { return data_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }
  std::size_t bytes() const { return bytes_; }
  // Synchronous copies of `bytes` bytes (at most bytes()) from / to host memory; fill with a byte.
  void upload(const void* host, std::size_t bytes);
  void download(void* host, std::size_t bytes) const;
  void fill(unsigned char byte);

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

// A non-blocking CUDA stream; get() is the cudaStream_t as void*.
class GpuStream {
 public:
  explicit GpuStream(int device = 0);
  ~GpuStream();
  GpuStream(GpuStream&& other) noexcept;
  GpuStream& operator=(GpuStream&& other) noexcept;
  GpuStream(const GpuStream&) = delete;
  GpuStream& operator=(const GpuStream&) = delete;

  void* get() const { return stream_; }
  void synchronize() const;

 private:
  void* stream_ = nullptr;
};

// Elapsed GPU time between two events recorded on one stream (cudaEventElapsedTime, ms).
class GpuTimer {
 public:
  explicit GpuTimer(void* stream);
  ~GpuTimer();
  GpuTimer(const GpuTimer&) = delete;
  GpuTimer& operator=(const GpuTimer&) = delete;

  void start();
  // Records the end event, waits for it and returns milliseconds since start().
  double stop_ms();

 private:
  void* stream_ = nullptr;
  void* begin_ = nullptr;
  void* end_ = nullptr;
};

}  // namespace calmspace::cuda
