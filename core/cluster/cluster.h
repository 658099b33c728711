// The processes of one job and the few collectives CalmSpace needs from them (issue 23):
// cross-validation folds, ensemble members and bench cells are dealt out to ranks
// (core/cluster/dealing.h), and data-parallel training sums each step's flat gradients.
//   one process:   single_process(), rank 0 of 1, every collective a no-op;
//   MPI (Open MPI from Debian, any MPI-3 library): start_mpi_cluster(), one rank per process
//   started by `mpirun -np N` or `srun --mpi=pmix`.
// Every rank must call the collectives in the same order. Nothing here reads the environment:
// tools/job.cpp decides from it whether this process was started by an MPI launcher.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace calmspace {

class Cluster {
 public:
  virtual ~Cluster() = default;
  virtual int rank() const = 0;  // 0 .. size() - 1
  virtual int size() const = 0;
  bool is_root() const { return rank() == 0; }
  // This rank among the ranks on its own machine (0 .. ranks there - 1): which of the machine's
  // GPUs it takes. By default the rank itself, as if every rank shared one machine.
  virtual int local_rank() const { return rank(); }
  // "1 process" or "3 MPI ranks (Open MPI v4.1.4, ...)".
  virtual std::string description() const = 0;

  // Returns when every rank has called it; waits busily (MPI's own barrier), for the short waits
  // of a training step.
  virtual void barrier() = 0;
  // The same, for long waits (a rank that finished its share of the runs): checks about every
  // millisecond and sleeps in between, leaving its core to the ranks still working.
  virtual void idle_barrier() = 0;
  // Element-wise sum over ranks, in place. Every rank gets the same bits: the library reduces
  // each element once and distributes the result (MPI_Allreduce, MPI_SUM on a commutative op).
  virtual void allreduce_sum(std::span<float> values) = 0;
  virtual void allreduce_sum(std::span<double> values) = 0;
  // Element-wise maximum over ranks, in place (timings: the slowest rank).
  virtual void allreduce_max(std::span<double> values) = 0;
  // Every rank's `mine`, in rank order, on the root; an empty vector on the other ranks.
  virtual std::vector<std::string> gather(const std::string& mine) = 0;
  // Ends every rank of the job with `code` (MPI_Abort): one rank's error must not leave the
  // others waiting forever in a collective.
  [[noreturn]] virtual void abort(int code) noexcept = 0;
};

// This process alone.
Cluster& single_process();

// True when this build links an MPI library.
bool mpi_built_in();

// Initialises MPI (MPI_Init_thread, funneled: only the calling thread makes MPI calls) and
// returns the job's communicator; MPI_Finalize runs when it is destroyed. InputError when this
// build has no MPI, naming the build option. At most one per process.
std::unique_ptr<Cluster> start_mpi_cluster(int* argc, char*** argv);

}  // namespace calmspace
