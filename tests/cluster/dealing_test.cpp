// Dealing runs out to ranks (core/cluster/dealing.h): every run goes to exactly one rank, the
// ranks' shares differ by at most one run, and one process trains everything in order.
#include "core/cluster/dealing.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace calmspace {
namespace {

// Rank `rank` of `size`, with no collectives (dealing needs none).
class FakeRank final : public Cluster {
 public:
  FakeRank(int rank, int size) : rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string description() const override { return "fake"; }
  void barrier() override {}
  void idle_barrier() override {}
  void allreduce_sum(std::span<float>) override {}
  void allreduce_sum(std::span<double>) override {}
  void allreduce_max(std::span<double>) override {}
  std::vector<std::string> gather(const std::string&) override { return {}; }
  [[noreturn]] void abort(int) noexcept override { std::abort(); }

 private:
  int rank_, size_;
};

TEST(Dealing, EveryRunGoesToExactlyOneRankAndSharesDifferByAtMostOne) {
  for (const int size : {1, 2, 3, 5, 8})
    for (const std::size_t n : {0u, 1u, 4u, 6u, 7u, 12u}) {
      std::vector<int> owners(n, 0);
      std::size_t smallest = n, largest = 0;
      for (int r = 0; r < size; ++r) {
        const auto mine = my_share(n, FakeRank(r, size));
        EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
        for (const std::size_t j : mine) {
          ASSERT_LT(j, n);
          ++owners[j];
        }
        smallest = std::min(smallest, mine.size());
        largest = std::max(largest, mine.size());
      }
      for (std::size_t j = 0; j < n; ++j)
        EXPECT_EQ(owners[j], 1) << "run " << j << " of " << n << " over " << size << " ranks";
      EXPECT_LE(largest - std::min(smallest, largest), 1u) << n << " runs over " << size;
    }
}

TEST(Dealing, OneProcessTrainsEveryRunInOrder) {
  const auto all = my_share(5, single_process());
  EXPECT_EQ(all, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(single_process().size(), 1);
  EXPECT_TRUE(single_process().is_root());
}

}  // namespace
}  // namespace calmspace
