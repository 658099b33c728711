// CalmSpace beside its PyTorch peer in `calmspace bench --peer-json FILE`: the peer result is
// written by bench/peers/torch_cells.py (kind "torch-cells-peer") from the same recipe and
// dataset. It is checked BEFORE any training (load_peer_result): it must hold every compared
// cell with the parameter count CalmSpace's model has for that cell (the same model, or the
// ratios would compare different work), the same stored feature set and batch size, and the same
// fold-0 training and test split sizes. After training, compare_with_peer() pairs each cell's
// training and inference clips/s with the peer's: ratio = CalmSpace / PyTorch (above 1:
// CalmSpace faster), and records which epochs, folds, threads and device each side measured.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/dataset/dataset_file.h"

namespace calmspace {

// Reads and checks a peer result file; returns it with "file" set to `path`. InputError(path, ...)
// for an unreadable or foreign file and for any disagreement listed above.
nlohmann::json load_peer_result(const std::string& path, const DatasetFile& dataset,
                                const Config& recipe, const std::vector<std::string>& cells);

// One "peers" entry of bench.json: the peer's run (file, command, torch, device, threads, mode,
// epochs, folds), CalmSpace's (threads, epochs, folds), per cell both rates and their ratios, and
// "markdown": peer_markdown() of it.
// `bench_cells` is bench.json's "cells"; `recipe` the resolved config CalmSpace trained.
nlohmann::json compare_with_peer(const nlohmann::json& bench_cells, const nlohmann::json& peer,
                                 const Config& recipe, int folds_run);

// The Markdown section of one "peers" entry (a short header and one table).
std::string peer_markdown(const nlohmann::json& entry);

}  // namespace calmspace
