// The clock of every manual-time benchmark (bench/*_bench.cpp use UseManualTime()): a timer
// brackets exactly the work being measured, and SetIterationTime() gets its seconds.
//   WallTimer  std::chrono::steady_clock; right for the CPU backends (the work is done when the
//              call returns).
//   CUDA       (the lead's part) a timer recording cudaEventRecord on the backend's stream at
//              start() and stop(), then cudaEventSynchronize + cudaEventElapsedTime; created in
//              make_bench_timer() below, next to the backend it times.
#pragma once

#include <chrono>
#include <memory>
#include <string>

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

// The timer for a backend ("cpu", later "cuda"). Host backends use the wall clock.
inline std::unique_ptr<BenchTimer> make_bench_timer(const std::string& backend) {
  // CUDA: return a CUDA-event timer on the backend's stream here (cuda/ provides it).
  (void)backend;
  return std::make_unique<WallTimer>();
}

}  // namespace calmspace::bench
