// Figures of the cell comparison (bench.json from core/bench/cell_comparison.h) and of feature
// extraction throughput (a features_bench Google Benchmark JSON):
//   cells_accuracy          UA, WA, macro-F1 per cell: mean bars, ±1 sample std, every fold a dot
//   cells_throughput        training and inference clips per second per cell (log scale)
//   cells_accuracy_vs_time  UA against training time per fold, error bars both ways
//   feature_roofline        audio seconds per second per benchmark against the ceiling the GPU's
//                           peak memory bandwidth allows (when a GPU is recorded)
#pragma once

#include <nlohmann/json.hpp>

#include "core/plot/gnuplot.h"

namespace calmspace::plot {

Figure cells_accuracy(const nlohmann::json& bench);
Figure cells_throughput(const nlohmann::json& bench);
Figure cells_accuracy_vs_time(const nlohmann::json& bench);

// `results`: Google Benchmark JSON whose feature benchmarks carry the counters audio_s_per_s
// and bytes_per_audio_s (bench/features_bench.cpp) and whose context may hold
// gpu_bandwidth_gbs. Throws InputError when no such benchmark is in it.
Figure feature_roofline(const nlohmann::json& results, const std::string& source);

}  // namespace calmspace::plot
