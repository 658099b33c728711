// Writes the machine record (core/bench/machine_info.h) into a Google Benchmark run's "context"
// (every value a string there): calmspace_machine (the whole record as JSON) plus flat keys the
// reports read: cpu_model, threads, git_revision, cuda_runtime, cuda_driver, cudnn, gpu_name,
// gpu_bandwidth_gbs (theoretical peak) or no_gpu_reason. Call before RunSpecifiedBenchmarks().
#pragma once

#include <benchmark/benchmark.h>

#include "core/bench/machine_info.h"
#include "cuda/common/runtime.h"

namespace calmspace::bench {

inline nlohmann::json add_machine_context(int threads) {
  const cuda::RuntimeReport runtime = cuda::query_runtime();
  const nlohmann::json m = machine_record(threads, runtime);
  benchmark::AddCustomContext("calmspace_machine", m.dump());
  benchmark::AddCustomContext("cpu_model", m["cpu"].get<std::string>());
  benchmark::AddCustomContext("threads", std::to_string(m["threads"].get<int>()));
  benchmark::AddCustomContext("git_revision", m["git_revision"].get<std::string>());
  const auto& c = m["cuda"];
  benchmark::AddCustomContext("cuda_runtime", c["runtime_version"].get<std::string>());
  benchmark::AddCustomContext("cuda_driver", c["driver_version"].get<std::string>());
  benchmark::AddCustomContext("cudnn", c["cudnn_version"].get<std::string>());
  if (runtime.has_gpu()) {
    benchmark::AddCustomContext("gpu_name", runtime.gpus[0].name);
    benchmark::AddCustomContext("gpu_bandwidth_gbs",
                                std::to_string(runtime.gpus[0].memory_bandwidth_gbs));
  } else {
    benchmark::AddCustomContext("no_gpu_reason", runtime.no_gpu_reason);
  }
  return m;
}

// The whole main() of a benchmark program with nothing else to set up: Google Benchmark's flags,
// the machine record in the context, every registered benchmark.
inline int run_benchmarks_with_machine_context(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  add_machine_context(0);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace calmspace::bench
