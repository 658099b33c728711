// The clock of every manual-time benchmark (bench/*_bench.cpp use UseManualTime()): a timer
// brackets exactly the work being measured, and SetIterationTime() gets its seconds.
//   WallTimer  std::chrono::steady_clock; right for the CPU backends (the work is done when the
//              call returns).
//   CudaEventTimer  cudaEventRecord on the backend's stream at start() and stop(), then
//              cudaEventSynchronize + cudaEventElapsedTime (cuda/common/gpu_memory.h GpuTimer: no
//              CUDA types here): the GPU time of the work enqueued between them. Its constructor
//              throws Error with the reason when there is no GPU or the build has no CUDA
//              ("built without CUDA"); benchmarks catch it and skip with that reason.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/base/error.h"
#include "cuda/common/gpu_memory.h"

namespace calmspace::bench {

class BenchTimer {
 public:
  virtual ~BenchTimer() = default;
  virtual void start() = 0;
  // Seconds since start(), after the timed work has completed.
  virtual double stop() = 0;
  virtual std::string name() const = 0;
};

class WallTimer final : public BenchTimer {
 public:
  void start() override { t0_ = std::chrono::steady_clock::now(); }
  double stop() override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }
  std::string name() const override { return "steady_clock"; }

 private:
  std::chrono::steady_clock::time_point t0_;
};

class CudaEventTimer final : public BenchTimer {
 public:
  // `stream`: the cudaStream_t the timed work runs on, as void* (nullptr = legacy default stream).
  explicit CudaEventTimer(void* stream) : timer_(stream) {}
  void start() override { timer_.start(); }
  double stop() override { return timer_.stop_ms() * 1e-3; }
  std::string name() const override { return "cuda_events"; }

 private:
  cuda::GpuTimer timer_;
};

// What make_bench_timer(backend) measures with, without creating it (for result contexts).
inline std::string bench_timer_name(const std::string& backend) {
  return backend == "cuda" ? "cuda_events" : "steady_clock";
}

// The timer for a backend: "cpu" the wall clock; "cuda" CUDA events on `stream` (the backend's
// cudaStream_t as void*; nullptr = the legacy default stream). Throws InputError naming
// --backend for an unknown backend, Error with the runtime's reason when CUDA cannot run.
inline std::unique_ptr<BenchTimer> make_bench_timer(const std::string& backend,
                                                    void* stream = nullptr) {
  if (backend == "cpu") return std::make_unique<WallTimer>();
  if (backend == "cuda") return std::make_unique<CudaEventTimer>(stream);
  throw InputError("--backend", cat("no timer for backend '", backend, "' (cpu, cuda)"));
}

}  // namespace calmspace::bench
