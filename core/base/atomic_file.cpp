#include "core/base/atomic_file.h"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "core/base/error.h"

namespace calmspace {
namespace {

// Fixed slots so the signal handler never touches the heap.
constexpr int kSlots = 64;
constexpr std::size_t kPathMax = 4096;
std::array<std::array<char, kPathMax>, kSlots> g_pending{};
std::array<std::atomic<bool>, kSlots> g_used{};
std::mutex g_slots_mutex;

int claim_slot(const std::string& path) {
  if (path.size() >= kPathMax) return -1;
  std::lock_guard lock(g_slots_mutex);
  for (int i = 0; i < kSlots; ++i) {
    if (!g_used[i]) {
      std::memcpy(g_pending[i].data(), path.c_str(), path.size() + 1);
      g_used[i] = true;
      return i;
    }
  }
  return -1;  // too many at once: still atomic, just not cleaned up on a signal
}

void release_slot(int slot) {
  if (slot >= 0) g_used[slot] = false;
}

}  // namespace

int remove_stale_temporaries(const std::string& final_path) {
  namespace fs = std::filesystem;
  const fs::path path(final_path);
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const std::string prefix = path.filename().string() + ".tmp-";
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    const auto pid = static_cast<pid_t>(std::stol(digits));
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // that process still runs
    std::error_code rm;
    if (fs::remove(it->path(), rm)) {
      std::fprintf(stderr, "note: removed %s, left by process %d, which no longer runs\n",
                   it->path().c_str(), static_cast<int>(pid));
      ++removed;
    }
  }
  return removed;
}

AtomicFile::AtomicFile(std::string final_path)
    : final_path_(std::move(final_path)),
      temp_path_(final_path_ + ".tmp-" + std::to_string(::getpid())) {
  remove_stale_temporaries(final_path_);
  slot_ = claim_slot(temp_path_);
}

AtomicFile::~AtomicFile() {
  if (!committed_) std::remove(temp_path_.c_str());
  release_slot(slot_);
}

void AtomicFile::commit() {
  if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0)
    throw InputError(final_path_, cat("cannot write (rename failed: ", std::strerror(errno), ")"));
  committed_ = true;
  release_slot(slot_);
  slot_ = -1;
}

void write_text_file_atomic(const std::string& path, const std::string& text) {
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary);
    if (!out) throw InputError(path, cat("cannot write (", std::strerror(errno), ")"));
    out << text;
    out.flush();
    if (!out) throw InputError(path, "write failed (disk full?)");
  }
  file.commit();
}

void remove_pending_temporaries() noexcept {
  for (int i = 0; i < kSlots; ++i)
    if (g_used[i]) ::unlink(g_pending[i].data());
}

}  // namespace calmspace
