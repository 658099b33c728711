// The job this process is part of (core/cluster/cluster.h): the ranks of an MPI launch
// (`mpirun -np N calmspace ...`, `srun --mpi=pmix calmspace ...`) or this process alone.
// main() starts it before parsing and ends it after the verb; verbs ask job() for it.
#pragma once

#include "core/cluster/cluster.h"

namespace calmspace::tools {

// True when an MPI launcher started this process: Open MPI's OMPI_COMM_WORLD_SIZE, PMIx's
// PMIX_RANK (srun --mpi=pmix, mpirun of Open MPI 5), or PMI's PMI_SIZE (MPICH, srun --mpi=pmi2).
bool started_by_mpi_launcher();

// Starts MPI when started_by_mpi_launcher(), else the job is this process alone.
void start_job(int* argc, char*** argv);
// The job (this process alone until start_job, and after end_job).
Cluster& job();
// MPI_Finalize when MPI was started.
void end_job();

// "" alone, "[rank 1/3] " in a job of 3 ranks: the prefix of lines a rank prints.
std::string rank_prefix();

}  // namespace calmspace::tools
