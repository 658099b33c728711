// The MPI implementation of Cluster. The whole file is chosen by the build: with an MPI library
// (CALMSPACE_HAVE_MPI, cmake/Dependencies.cmake) it wraps MPI_COMM_WORLD; without, starting it is
// an InputError that names the missing package.
#include "core/base/error.h"
#include "core/cluster/cluster.h"

#if CALMSPACE_HAVE_MPI

// The C API only: mpi.h would otherwise pull in the deprecated C++ bindings (libmpi_cxx).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace calmspace {
namespace {

// MPI calls return an error code (MPI_ERRORS_RETURN is set on the communicator below).
void check_mpi(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(cat(call, " failed: ", std::string(text, static_cast<std::size_t>(length))));
}

// MPI counts are int: reduce spans of any length in pieces of at most INT_MAX elements.
template <class T>
void allreduce(std::span<T> values, MPI_Datatype type, MPI_Op op) {
  constexpr std::size_t kMaxCount = std::numeric_limits<int>::max();
  for (std::size_t at = 0; at < values.size(); at += kMaxCount) {
    const int count = static_cast<int>(std::min(kMaxCount, values.size() - at));
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, values.data() + at, count, type, op, MPI_COMM_WORLD),
              "MPI_Allreduce");
  }
}

class MpiCluster final : public Cluster {
 public:
  MpiCluster(int* argc, char*** argv) {
    int provided = 0;
    check_mpi(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    // The ranks that share this machine's memory (MPI-3), ordered by world rank.
    MPI_Comm node = MPI_COMM_NULL;
    check_mpi(
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node),
        "MPI_Comm_split_type");
    check_mpi(MPI_Comm_rank(node, &local_rank_), "MPI_Comm_rank");
    check_mpi(MPI_Comm_free(&node), "MPI_Comm_free");
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(version, &length);
    library_.assign(version, static_cast<std::size_t>(length));
    if (const auto end = library_.find_first_of(",\n"); end != std::string::npos)
      library_.resize(end);
  }
  ~MpiCluster() override { MPI_Finalize(); }
  MpiCluster(const MpiCluster&) = delete;
  MpiCluster& operator=(const MpiCluster&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const override { return local_rank_; }
  std::string description() const override {
    return cat(size_, " MPI rank", size_ == 1 ? "" : "s", " (", library_, ")");
  }
  void barrier() override { check_mpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }
  void idle_barrier() override {
    MPI_Request request = MPI_REQUEST_NULL;
    check_mpi(MPI_Ibarrier(MPI_COMM_WORLD, &request), "MPI_Ibarrier");
    for (int done = 0;;) {
      check_mpi(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (done) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  void allreduce_sum(std::span<float> values) override { allreduce(values, MPI_FLOAT, MPI_SUM); }
  void allreduce_sum(std::span<double> values) override { allreduce(values, MPI_DOUBLE, MPI_SUM); }
  void allreduce_max(std::span<double> values) override { allreduce(values, MPI_DOUBLE, MPI_MAX); }
  std::vector<std::string> gather(const std::string& mine) override {
    CALMSPACE_CHECK(mine.size() <= std::numeric_limits<int>::max(), "gather of ", mine.size(),
                    " bytes");
    const int length = static_cast<int>(mine.size());
    std::vector<int> lengths(rank_ == 0 ? static_cast<std::size_t>(size_) : 0);
    check_mpi(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD),
              "MPI_Gather");
    std::vector<int> offsets(lengths.size(), 0);
    std::size_t total = 0;
    for (std::size_t r = 0; r < lengths.size(); ++r) {
      offsets[r] = static_cast<int>(total);
      total += static_cast<std::size_t>(lengths[r]);
      CALMSPACE_CHECK(total <= std::numeric_limits<int>::max(), "gather of ", total, " bytes");
    }
    std::string all(total, '\0');
    check_mpi(MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(),
                          MPI_CHAR, 0, MPI_COMM_WORLD),
              "MPI_Gatherv");
    std::vector<std::string> out;
    for (std::size_t r = 0; r < lengths.size(); ++r)
      out.push_back(
          all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r])));
    return out;
  }
  [[noreturn]] void abort(int code) noexcept override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; this keeps [[noreturn]] honest
  }

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0;
  std::string library_;
};

}  // namespace

bool mpi_built_in() {
  return true;
}

std::unique_ptr<Cluster> start_mpi_cluster(int* argc, char*** argv) {
  return std::make_unique<MpiCluster>(argc, argv);
}

}  // namespace calmspace

#else  // built without MPI

namespace calmspace {

bool mpi_built_in() {
  return false;
}

std::unique_ptr<Cluster> start_mpi_cluster(int*, char***) {
  throw InputError(
      "mpirun",
      "this calmspace was built without MPI; install libopenmpi-dev (scripts/setup.sh) "
      "and rebuild, or run it without mpirun");
}

}  // namespace calmspace

#endif
