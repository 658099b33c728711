#include "tools/job.h"

#include <cstdlib>
#include <memory>

#include "core/base/device.h"
#include "core/base/error.h"

namespace calmspace::tools {
namespace {

std::unique_ptr<Cluster>& mpi_job() {
  static std::unique_ptr<Cluster> cluster;
  return cluster;
}

}  // namespace

bool started_by_mpi_launcher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

void start_job(int* argc, char*** argv) {
  if (!started_by_mpi_launcher()) return;
  mpi_job() = start_mpi_cluster(argc, argv);
  set_gpu_slot(mpi_job()->local_rank());  // ranks sharing a machine spread over its GPUs
}

Cluster& job() {
  return mpi_job() ? *mpi_job() : single_process();
}

void end_job() {
  mpi_job().reset();
}

std::string rank_prefix() {
  const Cluster& c = job();
  return c.size() > 1 ? cat("[rank ", c.rank(), "/", c.size(), "] ") : std::string();
}

}  // namespace calmspace::tools
