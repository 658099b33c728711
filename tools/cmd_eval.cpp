// calmspace eval RUN_DIR|MODEL --data FILE.h5 [--split auto|test|valid|train|all] [--out DIR]
// Another corpus (its labels differ from the model's): every clip ("auto" -> "all"), labels
// matched by name through the label map, scored on the classes it shares with the model.
// WA, UA, macro-F1, per-class precision/recall/F1, the confusion matrix and the calibration
// (expected calibration error over 15 confidence bins, core/eval/calibration.h), printed and
// written as DIR/report.json and DIR/report.csv (default DIR: RUN_DIR/eval_<split>, or beside the
// model), each clip's prediction and probabilities as DIR/predictions.csv
// (core/eval/predictions_csv.h), with DIR/plots/ (confusion matrix, per-class scores) unless
// --no-plots.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/base/text.h"
#include "core/eval/calibration.h"
#include "core/eval/evaluate.h"
#include "core/eval/predictions_csv.h"
#include "core/export/model_file.h"
#include "core/plot/plot_sources.h"
#include "core/run/run_dir.h"
#include "tools/plot_hook.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct EvalArgs {
  std::string model, data, split = "auto", out;
  int threads = 0;
  bool no_plots = false;
};

void print_metrics(const Metrics& m) {
  std::printf("clips %lld  WA %.4f  UA %.4f  macro-F1 %.4f  loss %.4f\n",
              static_cast<long long>(m.clips), m.wa, m.ua, m.macro_f1, m.loss);
  std::printf("%-12s %9s %9s %9s %8s\n", "class", "precision", "recall", "f1", "support");
  for (std::size_t c = 0; c < m.labels.size(); ++c)
    std::printf("%-12s %9.3f %9.3f %9.3f %8lld\n", m.labels[c].c_str(), m.per_class[c].precision,
                m.per_class[c].recall, m.per_class[c].f1,
                static_cast<long long>(m.per_class[c].support));
  std::printf("confusion (rows = truth, columns = prediction):\n%-12s", "");
  for (const auto& l : m.labels) std::printf(" %5.5s", l.c_str());
  std::printf("\n");
  for (std::size_t i = 0; i < m.labels.size(); ++i) {
    std::printf("%-12s", m.labels[i].c_str());
    for (auto v : m.confusion[i]) std::printf(" %5lld", static_cast<long long>(v));
    std::printf("\n");
  }
}

void add_eval(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "evaluate a trained model on a dataset split");
  cmd->add_option("MODEL", args->model, "run directory (or ensemble), checkpoint (.h5) or export")
      ->required();
  cmd->add_option("--data", args->data, "dataset file made by `calmspace prepare`")->required();
  cmd->add_option("--split", args->split,
                  "test, valid, train (the model's folds), all, or auto: all for another corpus "
                  "(labels differ from the model's), else test");
  cmd->add_option("--out", args->out, "folder for report.json and report.csv");
  cmd->add_option("--threads", args->threads, "threads; 0 = all cores")->check(CLI::Range(0, 1024));
  add_no_plots_flag(cmd, &args->no_plots);
  cmd->callback([args] {
    namespace fs = std::filesystem;
    const std::vector<Checkpoint> members = load_model_members(args->model);
    const DatasetFile dataset(args->data);
    const Evaluation e = evaluate_checkpoints(dataset, members, args->split, args->threads);
    if (e.metrics.clips == 0)  // e.g. --split valid of a model trained with train.validation=false
      throw InputError("--split", cat("the '", e.split, "' split of ", args->data,
                                      " has no clips for this model's folds"));
    const fs::path base =
        fs::is_directory(args->model) ? fs::path(args->model) : fs::path(args->model).parent_path();
    const RunDir out(args->out.empty() ? base / ("eval_" + e.split) : fs::path(args->out));
    fs::create_directories(out.path());
    nlohmann::json extra = {{"split", e.split}, {"data", args->data}, {"model", args->model}};
    if (!e.classes_left_out.empty()) {
      extra["classes_left_out"] = e.classes_left_out;
      extra["scoring"] = "argmax over the classes the data has";
    }
    if (!e.clips_left_out.empty()) extra["clips_left_out"] = e.clips_left_out;
    const CalibrationReport calibration = calibration_report(e);
    const double temperature = members[0].config().model.temperature;
    nlohmann::json bins = nlohmann::json::array();
    for (const ReliabilityBin& b : calibration.bins)
      bins.push_back({{"lower", b.lower},
                      {"upper", b.upper},
                      {"clips", b.clips},
                      {"confidence", b.confidence},
                      {"accuracy", b.accuracy}});
    // What a calibrated model would score on as many clips: the ECE's sampling floor.
    const CalibratedEce sampling =
        ece_if_calibrated(calibration.confidences, static_cast<int>(calibration.bins.size()));
    extra["calibration"] = {{"ece", calibration.ece},
                            {"temperature", temperature},
                            {"reliability", bins},
                            {"ece_if_calibrated",
                             {{"mean", sampling.mean},
                              {"p05", sampling.p05},
                              {"p95", sampling.p95},
                              {"draws", sampling.draws}}}};
    const auto by_corpus = calibration_by_corpus(dataset, e);
    std::string per_corpus;  // "ravdess 0.166 (240 clips), ..." when there are several
    if (by_corpus.size() > 1)
      for (const auto& [corpus, report] : by_corpus) {
        std::int64_t clips = 0;
        for (const ReliabilityBin& b : report.bins) clips += b.clips;
        extra["calibration"]["ece_by_corpus"][corpus] = {{"ece", report.ece}, {"clips", clips}};
        char ece[16];
        std::snprintf(ece, sizeof ece, "%.4f", report.ece);
        per_corpus += cat(per_corpus.empty() ? "" : ", ", corpus, " ", ece, " (", clips, " clips)");
      }
    write_report_json(out.report_json().string(), e.metrics, extra.dump());
    write_report_csv(out.report_csv().string(), e.metrics);
    const std::string predictions = (out.path() / "predictions.csv").string();
    write_text_file_atomic(predictions, predictions_csv(dataset, e, members[0].labels));
    print_metrics(e.metrics);
    std::printf("calibration: ECE %.4f over %d confidence bins (temperature %.4f%s)\n",
                calibration.ece, kCalibrationBins, temperature,
                temperature == 1.0 ? ", not calibrated: see `calmspace calibrate`" : "");
    std::printf(
        "a perfectly calibrated model with these confidences would score ECE %.3f on %zu clips "
        "(90 %% of draws %.3f-%.3f): an ECE up to the upper figure is within sampling noise\n",
        sampling.mean, calibration.confidences.size(), sampling.p05, sampling.p95);
    if (!per_corpus.empty()) std::printf("ECE per corpus: %s\n", per_corpus.c_str());
    if (!e.classes_left_out.empty())
      std::printf("scored on the %zu classes the data has (argmax over them); left out: %s\n",
                  e.metrics.labels.size(), join(e.classes_left_out, ", ").c_str());
    for (const auto& [label, count] : e.clips_left_out)
      std::printf("left out %lld clips labelled '%s' (not a class of the model)\n",
                  static_cast<long long>(count), label.c_str());
    std::printf("-> %s, %s\n", out.report_json().string().c_str(), predictions.c_str());
    if (!args->no_plots) {
      const std::string plots = out.plots().string();
      make_plots_or_warn("confusion, per-class", plots,
                         [&] { return plot::plot_run_dir(out.str(), plots); });
    }
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(eval, 50, calmspace::tools::add_eval);
