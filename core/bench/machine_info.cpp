#include "core/bench/machine_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "core/base/error.h"

#ifndef CALMSPACE_SOURCE_ROOT
#define CALMSPACE_SOURCE_ROOT ""
#endif
#ifndef CALMSPACE_BUILD_TYPE
#define CALMSPACE_BUILD_TYPE "unknown"
#endif

namespace calmspace {
namespace {

// stdout of a shell command (trailing newline removed); empty on failure.
std::string capture(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  std::array<char, 256> buf{};
  while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  if (::pclose(p) != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      auto v = line.substr(line.find(':') + 1);
      while (!v.empty() && v.front() == ' ') v.erase(v.begin());
      return v;
    }
  return "unknown";
}

std::string compiler() {
#if defined(__clang__)
  return cat("clang ", __clang_major__, ".", __clang_minor__, ".", __clang_patchlevel__);
#elif defined(__GNUC__)
  return cat("gcc ", __GNUC__, ".", __GNUC_MINOR__, ".", __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

}  // namespace

std::string cuda_version_string(int v) {
  return v > 0 ? cat(v / 1000, ".", (v % 1000) / 10) : "";
}

std::string cudnn_version_string(std::size_t v) {
  // cuDNN 9: major * 10000 + minor * 100 + patch.
  return v > 0 ? cat(v / 10000, ".", (v % 10000) / 100, ".", v % 100) : "";
}

std::string git_revision(bool* dirty) {
  const std::string root = CALMSPACE_SOURCE_ROOT;
  if (dirty) *dirty = false;
  // Binaries run away from their checkout (bench/gpu/run_on_device.sh) name the revision they
  // were built from.
  if (const char* given = std::getenv("CALMSPACE_GIT_REVISION"); given && *given) return given;
  if (root.empty()) return "unknown (built without a source root)";
  const std::string git = "git -C '" + root + "' ";
  const std::string rev = capture(git + "rev-parse HEAD 2>/dev/null");
  if (rev.empty()) return "unknown (no git checkout at " + root + ")";
  const bool d = !capture(git + "status --porcelain --untracked-files=no 2>/dev/null").empty();
  if (dirty) *dirty = d;
  return d ? rev + "-dirty" : rev;
}

nlohmann::json runtime_record(const GpuRuntimeReport& r) {
  nlohmann::json gpus = nlohmann::json::array();
  for (const auto& g : r.gpus)
    gpus.push_back({{"index", g.index},
                    {"name", g.name},
                    {"compute_capability", cat(g.compute_major, ".", g.compute_minor)},
                    {"multiprocessors", g.multiprocessors},
                    {"memory_gib", static_cast<double>(g.memory_bytes) / (1 << 30)},
                    {"l2_mib", static_cast<double>(g.l2_bytes) / (1 << 20)},
                    {"bandwidth_gbs", g.memory_bandwidth_gbs}});
  return {{"compiled", r.compiled},
          {"runtime_version", cuda_version_string(r.runtime_version)},
          {"driver_version", cuda_version_string(r.driver_version)},
          {"cudnn_version", cudnn_version_string(r.cudnn_version)},
          {"cufft_version", r.cufft_version},
          {"gpus", gpus},
          {"no_gpu_reason", r.no_gpu_reason}};
}

nlohmann::json machine_record(int threads, const GpuRuntimeReport& report) {
  utsname u{};
  ::uname(&u);
  bool dirty = false;
  const std::string rev = git_revision(&dirty);
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  const unsigned cpus = std::thread::hardware_concurrency();
  return {{"host", u.nodename},
          {"os", cat(u.sysname, " ", u.release, " ", u.machine)},
          {"cpu", cpu_model()},
          {"logical_cpus", cpus},
          {"threads", threads > 0 ? threads : static_cast<int>(cpus)},
          {"compiler", compiler()},
          {"build_type", CALMSPACE_BUILD_TYPE},
          {"calmspace_version", CALMSPACE_VERSION},
          {"git_revision", rev},
          {"git_dirty", dirty},
          {"date_utc", date},
          {"cuda", runtime_record(report)}};
}

}  // namespace calmspace
