#include "core/cluster/dealing.h"

namespace calmspace {

std::vector<std::size_t> my_share(std::size_t n, const Cluster& cluster) {
  std::vector<std::size_t> mine;
  const auto size = static_cast<std::size_t>(cluster.size());
  for (std::size_t j = static_cast<std::size_t>(cluster.rank()); j < n; j += size)
    mine.push_back(j);
  return mine;
}

}  // namespace calmspace
