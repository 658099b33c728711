// calmspace devices: the CPU kernels in use (OpenBLAS, the recurrent step), then the CUDA
// runtime, driver, cuDNN and cuFFT versions and every visible GPU.
#include <iostream>

#include "core/base/blas_kernels.h"
#include "core/base/gpu_runtime.h"
#include "core/model/small_gemm.h"
#include "tools/verb.h"

namespace {

std::string version_string(int v) {  // 13000 -> "13.0"
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

void add_devices(CLI::App& app) {
  auto* cmd = app.add_subcommand("devices", "show the CPU kernels, the CUDA runtime and the GPUs");
  cmd->callback([] {
    std::cout << "cpu kernels:  OpenBLAS " << calmspace::blas_kernels() << ", recurrent step "
              << calmspace::name(calmspace::best_gemm_isa()) << "\n";
    const auto& r = calmspace::gpu_runtime_report();
    if (!r.compiled) {
      std::cout << "cuda: " << r.no_gpu_reason << "\n";
      return;
    }
    std::cout << "cuda runtime: " << version_string(r.runtime_version) << "\n"
              << "cuda driver:  " << (r.driver_version ? version_string(r.driver_version) : "none")
              << "\n"
              << "cudnn:        " << r.cudnn_version << "\n"
              << "cufft:        " << r.cufft_version << "\n";
    if (!r.has_gpu()) std::cout << "gpus: none (" << r.no_gpu_reason << ")\n";
    for (const auto& g : r.gpus)
      std::cout << "gpu " << g.index << ": " << g.name << ", sm_" << g.compute_major
                << g.compute_minor << ", " << g.multiprocessors << " SMs, "
                << g.memory_bytes / (1 << 20) << " MiB, " << g.l2_bytes / (1 << 20)
                << " MiB L2, peak " << g.memory_bandwidth_gbs << " GB/s\n";
  });
}

}  // namespace

CALMSPACE_VERB(devices, 90, add_devices);
