// The history store's WAL is checkpointed in the background (wal_checkpointer.h): analyses written
// without the writer's own auto-checkpoint still reach the database file, stay readable while the
// log is copied back, and are all there after a reopen; under a steady stream of writes the log
// starts again from its beginning instead of growing with everything ever written.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/base/error.h"
#include "serve/history_store.h"
#include "support/test_support.h"

namespace calmspace {
namespace {

namespace fs = std::filesystem;

TEST(HistoryStore, BackgroundCheckpointsCopyTheLogIntoTheDatabase) {
  testing::ScratchDir dir;
  const std::string data = (dir / "data").string();
  const std::string audio(128 * 1024, 'a');  // like a 4 s 16-bit recording
  constexpr int kAnalyses = 40;
  {
    serve::HistoryStore store(data);
    for (int i = 0; i < kAnalyses; ++i)
      store.add("clip" + std::to_string(i) + ".wav", 4.0, "calm", 0.5, {{"i", i}}, audio,
                "audio/wav");
    // A whole pass after the last write, with no writer left, copies the whole log.
    store.wait_for_checkpoint_passes(store.checkpoint_passes() + 2);
    EXPECT_GE(store.checkpointed_frames(), kAnalyses * 32);  // >= 32 pages of 4 KiB per analysis
    EXPECT_LT(store.checkpointed_frames(), kAnalyses * 40);  // each page counted once
    // The database file itself now holds the recordings, not only the log beside it.
    EXPECT_GT(fs::file_size(serve::HistoryStore::database_file(data)),
              static_cast<std::uintmax_t>(kAnalyses) * audio.size());
    EXPECT_EQ(store.count(), kAnalyses);
    const auto stored = store.audio(kAnalyses);
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->bytes, audio);
  }
  serve::HistoryStore reopened(data);
  EXPECT_EQ(reopened.count(), kAnalyses);
  const auto last = reopened.get(kAnalyses);
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->second["i"], kAnalyses - 1);
}

TEST(HistoryStore, TheLogIsReusedUnderASteadyStreamOfWrites) {
  testing::ScratchDir dir;
  const std::string data = (dir / "data").string();
  const std::string audio(128 * 1024, 'b');
  constexpr int kAnalyses = 800;  // 100 MiB of recordings, 12 times the 8 MiB restart mark
  serve::HistoryStore store(data, /*wal_restart_pages=*/2048);
  for (int i = 0; i < kAnalyses; ++i) {
    store.add("clip.wav", 4.0, "calm", 0.5, {{"i", i}}, audio, "audio/wav");
    // Every 8 MiB the writer waits for a whole checkpoint pass after its writes (a condition, not
    // a clock): the checkpointer then sees the stream at the same points however loaded the
    // machine is, at most 8 MiB apart, as it sees requests that have gaps between them.
    if ((i + 1) % 64 == 0) store.wait_for_checkpoint_passes(store.checkpoint_passes() + 2);
  }
  EXPECT_GE(store.checkpoint_restarts(), 1);
  // The log restarts once past 8 MiB, so its file holds what is written between restarts, where
  // without restarts it would hold all 100 MiB.
  const std::uintmax_t wal = fs::file_size(serve::HistoryStore::database_file(data) + "-wal");
  EXPECT_LT(wal, std::uintmax_t{64} << 20);
  EXPECT_EQ(store.count(), kAnalyses);
}

}  // namespace
}  // namespace calmspace

namespace calmspace {
namespace {

namespace fs = std::filesystem;

// Issue 20: the data folder and its database files are owner-only whoever made them, and a system
// or home folder is never taken as the data folder.
TEST(HistoryStore, TheDataFolderAndItsFilesAreOwnerOnly) {
  testing::ScratchDir dir;
  const fs::path data = dir / "data";
  fs::create_directories(data);
  fs::permissions(data, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);  // 0755, as seen
  {
    serve::HistoryStore store(data.string());
    store.add("a.wav", 1.0, "calm", 0.5, {{"i", 1}}, std::string(4096, 'a'), "audio/wav");
    EXPECT_EQ(fs::status(data).permissions(), fs::perms::owner_all);
    int files = 0;
    for (const auto& f : fs::directory_iterator(data)) {
      EXPECT_EQ(f.status().permissions(), fs::perms::owner_read | fs::perms::owner_write)
          << f.path();
      ++files;
    }
    EXPECT_GE(files, 2);  // the database and its log at least
  }
  // A database made before (0644) is made owner-only when it is opened again.
  const std::string file = serve::HistoryStore::database_file(data.string());
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  serve::HistoryStore again(data.string());
  EXPECT_EQ(fs::status(file).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(again.count(), 1);
}

TEST(HistoryStore, SystemAndHomeFoldersAreRefused) {
  for (const char* bad : {"/", "/etc", "/usr/", "/tmp", "/var", "/proc/self"}) {
    try {
      serve::HistoryStore store(bad);
      FAIL() << bad << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("is a system or home folder"), std::string::npos)
          << e.what();
    }
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    EXPECT_THROW(serve::HistoryStore store(home), InputError);
  }
}

}  // namespace
}  // namespace calmspace
