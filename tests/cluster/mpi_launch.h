// Shared by the MPI tests: running `calmspace` under `mpirun -np N` on localhost, the reason to
// skip when this machine cannot (no MPI in the build, or no mpirun on the PATH), and a fixture.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

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

// A run's epochs as written to RUN/metrics.jsonl, one JSON object per epoch.
inline std::vector<nlohmann::json> epochs_of(const std::filesystem::path& run) {
  std::vector<nlohmann::json> epochs;
  std::istringstream in(read_text_file(run / "metrics.jsonl"));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) epochs.push_back(nlohmann::json::parse(line));
  return epochs;
}

// A scratch folder with the tone dataset (test_support.h) in it; skips without MPI.
class MpiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = mpi_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
    data_ = (dir_ / "tones.h5").string();
    write_tone_dataset(data_);
  }
  ScratchDir dir_;
  std::string data_;
};

}  // namespace calmspace::testing
