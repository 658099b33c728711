#include "core/bench/peer_comparison.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "core/base/error.h"
#include "core/base/parallel.h"
#include "core/dataset/splits.h"
#include "core/model/param_index.h"
#include "core/run/model_checkpoint.h"

namespace calmspace {
namespace {

constexpr const char* kPeerKind = "torch-cells-peer";

const nlohmann::json* find_cell(const nlohmann::json& cells, const std::string& name) {
  for (const auto& c : cells)
    if (c.value("cell", std::string()) == name) return &c;
  return nullptr;
}

CellKind cell_kind(const std::string& name) {
  const auto& table = cell_kind_table();
  const auto it =
      std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.first == name; });
  if (it == table.end())
    throw InputError("--cells",
                     cat("unknown cell '", name, "' (rnn, rnn_tanh, rnn_relu, lstm, gru)"));
  return it->second;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

double ratio(double a, double b) {
  return b > 0 ? a / b : 0.0;
}

}  // namespace

nlohmann::json load_peer_result(const std::string& path, const DatasetFile& dataset,
                                const Config& recipe, const std::vector<std::string>& cells) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open the peer result (--peer-json)");
  nlohmann::json peer;
  try {
    peer = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, cat("is not JSON (", e.what(), ")"));
  }
  if (!peer.is_object() || peer.value("kind", std::string()) != kPeerKind)
    throw InputError(
        path, cat("is not a bench/peers/torch_cells.py result (kind '", kPeerKind, "' expected)"));
  try {
    const std::string key = feature_set_key(recipe.features);
    if (peer.at("feature_set").get<std::string>() != key)
      throw InputError(path,
                       cat("was measured on feature set ", peer["feature_set"].get<std::string>(),
                           "; this recipe's is ", key));
    const int batch = peer.at("config").at("train").at("batch_size").get<int>();
    if (batch != recipe.train.batch_size)
      throw InputError(
          path, cat("used batch size ", batch, "; this recipe's is ", recipe.train.batch_size));
    // Fold 0 as cross-validation runs it: test fold 0, validation fold 1.
    TrainOptions fold0 = recipe.train;
    fold0.test_fold = 0;
    fold0.valid_fold = dataset.header().num_folds > 1 ? 1 : -1;
    const Splits splits = make_splits(dataset, fold0);
    const int F = model_input_dim(recipe);
    const int C = static_cast<int>(dataset.label_names().size());
    for (const auto& name : cells) {
      const nlohmann::json* c = find_cell(peer.at("cells"), name);
      if (!c) throw InputError(path, cat("has no result for cell '", name, "'"));
      ModelOptions model = recipe.model;
      model.cell = cell_kind(name);
      const std::int64_t expected = make_param_index(model, F, C).total;
      const auto got = c->at("parameters").get<std::int64_t>();
      if (got != expected)
        throw InputError(path, cat("cell ", name, ": the PyTorch model has ", got,
                                   " parameters, CalmSpace's has ", expected,
                                   " (the models differ; compare the same recipe)"));
      const auto& f0 = c->at("folds").at(0);
      const auto train = f0.at("train_clips").get<std::size_t>();
      const auto test = f0.at("test_clips").get<std::size_t>();
      if (train != splits.train.size() || test != splits.test.size())
        throw InputError(
            path, cat("cell ", name, ": fold 0 has ", train, " training and ", test,
                      " test clips there, ", splits.train.size(), " and ", splits.test.size(),
                      " in ", dataset.path(), " (another dataset or split)"));
      if (!(c->at("train_clips_per_s").get<double>() > 0) ||
          !(c->at("inference").at("clips_per_s").get<double>() > 0))
        throw InputError(path, cat("cell ", name, ": no positive throughput"));
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, cat("has a missing or malformed field (", e.what(), ")"));
  }
  peer["file"] = path;
  return peer;
}

nlohmann::json compare_with_peer(const nlohmann::json& bench_cells, const nlohmann::json& peer,
                                 const Config& recipe, int folds_run) {
  const int threads = resolve_threads(recipe.train.num_threads);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& c : bench_cells) {
    const std::string name = c.at("cell").get<std::string>();
    const nlohmann::json* p = find_cell(peer.at("cells"), name);
    CALMSPACE_CHECK(p != nullptr, "peer result without cell ", name, " (load_peer_result checks)");
    const double cs_train = c.at("train_clips_per_s").get<double>();
    const double cs_infer = c.at("inference").at("clips_per_s").get<double>();
    const double pt_train = p->at("train_clips_per_s").get<double>();
    const double pt_infer = p->at("inference").at("clips_per_s").get<double>();
    rows.push_back({{"cell", name},
                    {"parameters", c.at("parameters")},
                    {"calmspace_epochs", c.at("epochs").at("mean").get<double>() * folds_run},
                    {"torch_epochs", p->at("epochs_timed")},
                    {"calmspace_train_clips_per_s", cs_train},
                    {"torch_train_clips_per_s", pt_train},
                    {"train_ratio", ratio(cs_train, pt_train)},
                    {"calmspace_inference_clips_per_s", cs_infer},
                    {"torch_inference_clips_per_s", pt_infer},
                    {"inference_ratio", ratio(cs_infer, pt_infer)}});
  }
  const auto& m = peer.value("machine", nlohmann::json::object());
  nlohmann::json entry = {
      {"file", peer.value("file", std::string())},
      {"command", peer.value("command", std::string())},
      {"torch", m.value("torch", std::string("?"))},
      {"device", m.value("torch_device", peer.value("device", std::string("?")))},
      {"threads", peer.value("threads", 0)},
      {"mode", peer.value("mode", std::string("?"))},
      {"epochs_per_fold", peer.value("epochs_per_fold", 0)},
      {"warmup_epochs", peer.value("warmup_epochs", 0)},
      {"folds_run", peer.value("folds_run", 0)},
      {"machine", m},
      {"calmspace", {{"threads", threads}, {"folds_run", folds_run}, {"device", "cpu"}}},
      {"ratio", "CalmSpace / PyTorch clips per second (above 1: CalmSpace faster)"},
      {"rows", rows}};
  entry["markdown"] = peer_markdown(entry);  // for bench/make_results.py (one renderer)
  return entry;
}

std::string peer_markdown(const nlohmann::json& e) {
  const auto& cs = e.at("calmspace");
  const bool speed = e.value("mode", std::string()) == "speed";
  std::string md =
      cat("## CalmSpace / PyTorch ", e.value("torch", std::string("?")), " on ",
          e.value("device", std::string("?")), ", ", e.value("threads", 0), " threads\n\n");
  md += cat("Ratio = CalmSpace / PyTorch clips per second (above 1: CalmSpace faster).\n");
  md += cat("- CalmSpace: ", cs.value("device", std::string("cpu")), ", ", cs.value("threads", 0),
            " threads; training clips/s = mean over every epoch of its ", cs.value("folds_run", 0),
            " fold(s) (epochs below); inference: fold 0's best checkpoint on its test split.\n");
  md += cat("- PyTorch: ", e.value("device", std::string("?")), ", ", e.value("threads", 0),
            " threads; training clips/s = mean over ", e.value("epochs_per_fold", 0),
            " epoch(s) of each of ", e.value("folds_run", 0), " fold(s)",
            e.value("warmup_epochs", 0) > 0
                ? cat(" after ", e.value("warmup_epochs", 0), " untimed warm-up epoch(s)")
                : std::string(),
            speed ? " (speed peer: the recipe's schedule, not trained to the end)" : "",
            "; inference: fold 0's test split with ",
            speed ? "those weights" : "the best epoch's weights", ".\n");
  md += "- Peer command: `" + e.value("command", std::string()) + "`\n\n";
  md +=
      "| cell | parameters (both) | epochs timed (CalmSpace / PyTorch) | CalmSpace training "
      "clips/s | PyTorch training clips/s | CalmSpace / PyTorch | CalmSpace inference clips/s | "
      "PyTorch inference clips/s | CalmSpace / PyTorch |\n";
  md += "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& r : e.at("rows"))
    md += cat("| ", r["cell"].get<std::string>(), " | ", r["parameters"].get<std::int64_t>(), " | ",
              fmt("%.0f", r["calmspace_epochs"].get<double>()), " / ", r["torch_epochs"].get<int>(),
              " | ", fmt("%.0f", r["calmspace_train_clips_per_s"].get<double>()), " | ",
              fmt("%.0f", r["torch_train_clips_per_s"].get<double>()), " | ",
              fmt("%.2fx", r["train_ratio"].get<double>()), " | ",
              fmt("%.0f", r["calmspace_inference_clips_per_s"].get<double>()), " | ",
              fmt("%.0f", r["torch_inference_clips_per_s"].get<double>()), " | ",
              fmt("%.2fx", r["inference_ratio"].get<double>()), " |\n");
  return md + "\n";
}

}  // namespace calmspace
