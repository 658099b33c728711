// Shared by the MPI tests: running `calmspace` under `mpirun -np N` on localhost, and the reason
// to skip when this machine cannot (no MPI in the build, or no mpirun on the PATH).
#pragma once

#include <string>

#include "core/base/error.h"
#include "core/cluster/cluster.h"
#include "support/test_support.h"

namespace calmspace::testing {

// "" when MPI tests can run here, else why not.
inline std::string mpi_unavailable_reason() {
  if (!mpi_built_in()) return "this build has no MPI (install libopenmpi-dev and rebuild)";
  if (run_command("command -v mpirun", nullptr) != 0) return "no mpirun on the PATH (openmpi-bin)";
  return "";
}

// `calmspace ARGS` as one process (ranks == 1) or under mpirun with `ranks` processes, as CI runs
// it: on localhost, more ranks than cores allowed, as root allowed. Returns the exit status.
inline int run_calmspace(int ranks, const std::string& args, std::string* output) {
  const std::string program = calmspace_binary().string() + " " + args;
  if (ranks == 1) return run_command(program, output);
  return run_command(cat("mpirun --oversubscribe --allow-run-as-root -np ", ranks, " ", program),
                     output);
}

}  // namespace calmspace::testing
