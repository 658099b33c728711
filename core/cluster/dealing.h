// Dealing independent runs out to the ranks of a job. Run j of n goes to rank j mod size: the
// deal depends only on n and the number of ranks, so every rank computes the same one without
// talking, and each run, seeded and deterministic, gives the same bits whichever rank trains it.
// Runs of a cross-validation cost about the same, so round robin keeps the ranks equally busy.
#pragma once

#include <cstddef>
#include <vector>

#include "core/cluster/cluster.h"

namespace calmspace {

// The indices 0 .. n-1 that `cluster`'s rank trains, in increasing order.
std::vector<std::size_t> my_share(std::size_t n, const Cluster& cluster);

}  // namespace calmspace
