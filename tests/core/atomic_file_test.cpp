// AtomicFile: all or nothing, and the temporaries of a killed run are cleaned by the next one.
#include "core/base/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.h"

namespace calmspace {
namespace {

namespace fs = std::filesystem;

void touch(const fs::path& p) {
  std::ofstream(p) << "partial";
}

// A pid that surely runs no process now: a child that has exited and been reaped.
pid_t finished_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

TEST(AtomicFile, TheNextWriterRemovesTemporariesOfProcessesThatNoLongerRun) {
  testing::ScratchDir dir;
  const fs::path out = dir / "data.h5";
  const fs::path dead = dir / ("data.h5.tmp-" + std::to_string(finished_pid()));
  const fs::path alive = dir / ("data.h5.tmp-" + std::to_string(::getppid()));  // our parent runs
  const fs::path other = dir / ("other.h5.tmp-" + std::to_string(finished_pid()));
  const fs::path odd = dir / "data.h5.tmp-12ab";
  for (const auto& p : {dead, alive, other, odd}) touch(p);
  write_text_file_atomic(out.string(), "complete");
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));  // a running writer's file is never touched
  EXPECT_TRUE(fs::exists(other));  // another output's temporaries are its writer's business
  EXPECT_TRUE(fs::exists(odd));    // not a name AtomicFile makes
  std::ifstream in(out);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "complete");
  EXPECT_EQ(remove_stale_temporaries(out.string()), 0);
}

TEST(AtomicFile, AnUncommittedFileLeavesNothingBehind) {
  testing::ScratchDir dir;
  const fs::path out = dir / "x.txt";
  {
    AtomicFile f(out.string());
    touch(f.temp_path());
  }
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace calmspace
