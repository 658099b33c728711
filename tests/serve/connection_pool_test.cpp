// The connection threads start on demand: every open connection gets a thread of its own up to
// the maximum, so a client never waits behind idle or slow ones; past it, connections queue.
#include "serve/connection_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace calmspace {
namespace {

// Jobs that hold their thread until released, like a connection whose client sends nothing.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  int running = 0, finished = 0;
  bool open = false;

  void job() {
    std::unique_lock l(m);
    ++running;
    cv.notify_all();
    cv.wait(l, [&] { return open; });
    ++finished;
    cv.notify_all();
  }
  void release() {
    {
      std::lock_guard l(m);
      open = true;
    }
    cv.notify_all();
  }
  // Waits until `pred` holds; false after a minute (a failure, never a hang).
  template <typename Pred>
  bool wait(Pred pred) {
    std::unique_lock l(m);
    return cv.wait_for(l, std::chrono::minutes(1), pred);
  }
};

TEST(ConnectionPool, EveryHeldConnectionGetsItsOwnThreadUpToTheMaximum) {
  Gate gate;
  serve::ConnectionPool pool(40);
  for (int i = 0; i < 30; ++i) pool.enqueue([&] { gate.job(); });
  // All 30 run at once although none has finished: nobody waits behind a held connection.
  EXPECT_TRUE(gate.wait([&] { return gate.running == 30; })) << gate.running;
  EXPECT_EQ(pool.threads(), 30);
  gate.release();
  EXPECT_TRUE(gate.wait([&] { return gate.finished == 30; }));
  // Finished threads are reused, not multiplied.
  Gate again;
  for (int i = 0; i < 10; ++i) pool.enqueue([&] { again.job(); });
  EXPECT_TRUE(again.wait([&] { return again.running == 10; }));
  EXPECT_EQ(pool.threads(), 30);
  again.release();
  pool.shutdown();
  EXPECT_EQ(again.finished, 10);
}

TEST(ConnectionPool, PastTheMaximumConnectionsQueueAndAllRun) {
  Gate gate;
  serve::ConnectionPool pool(3);
  for (int i = 0; i < 5; ++i) pool.enqueue([&] { gate.job(); });
  EXPECT_TRUE(gate.wait([&] { return gate.running == 3; }));
  EXPECT_EQ(pool.threads(), 3);
  gate.release();
  EXPECT_TRUE(gate.wait([&] { return gate.finished == 5; }));
  EXPECT_EQ(gate.running, 5);
}

}  // namespace
}  // namespace calmspace
