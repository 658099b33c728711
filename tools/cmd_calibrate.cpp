// calmspace calibrate MODEL --data FILE.h5 [--split auto|test|valid|all] --out FILE
//     [--cv DIR [--folds K,...]] [--unseen-corpus-ua UA] [--overwrite]
// Temperature scaling (core/eval/calibration.h): fits one T on the split's clips so that the
// model's probabilities mean what they say, and writes the model with model.temperature = T
// (and the UA it scored on unseen corpora, quoted beside every prediction) to FILE: a checkpoint
// (.h5) or an export (.safetensors, .onnx). The model given is never changed. Fit on speakers
// the model did not train on (its test split, or another corpus), and measure the calibration on
// yet other speakers with `calmspace eval` (its report gives the ECE).
// --cv DIR: the temperature of the recipe instead: fitted on the pooled logits of a
// cross-validation's fold models (DIR/fold_K), each on its own test fold of FILE, i.e. on
// speakers (or, with data.fold_by=corpus, corpora) each never trained on; MODEL, trained with
// the same recipe, gets it. --folds picks folds (leave out the one MODEL is measured on).
// --weigh corpora (default) gives each corpus the same total weight in the fit, speakers each
// speaker, clips each clip; with one corpus, corpora and clips are the same fit.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/base/error.h"
#include "core/eval/calibration.h"
#include "core/export/export_onnx.h"
#include "core/export/export_safetensors.h"
#include "core/export/model_file.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

struct CalibrateArgs {
  std::string model, data, split = "auto", out, cv, weigh = "corpora";
  std::vector<int> folds;
  double unseen_corpus_ua = -1;
  int threads = 0;
  bool overwrite = false;
};

void write_model(const Checkpoint& checkpoint, const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".safetensors")
    export_safetensors(checkpoint, path);
  else if (ext == ".onnx")
    export_onnx(checkpoint, path);
  else if (ext == ".h5")
    save_checkpoint(path, checkpoint);
  else
    throw InputError(path, "--out must end in .h5 (checkpoint), .safetensors or .onnx");
}

// The folds of a cross-validation folder to pool: `wanted`, or every fold_K found.
std::vector<int> cv_folds(const std::string& dir, std::vector<int> wanted) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw InputError(dir, "is not a cross-validation folder (--cv)");
  if (wanted.empty())
    for (int k = 0; fs::is_directory(fs::path(dir) / cat("fold_", k)); ++k) wanted.push_back(k);
  for (int k : wanted)
    if (!fs::is_directory(fs::path(dir) / cat("fold_", k)))
      throw InputError(dir, cat("has no fold_", k, " (--folds)"));
  if (wanted.empty()) throw InputError(dir, "has no fold_0: not a `calmspace cv` folder");
  return wanted;
}

void print_report(const char* when, double temperature, const CalibrationReport& r) {
  std::printf("%-7s T = %.4f  ECE %.4f  NLL %.4f\n", when, temperature, r.ece, r.nll);
}

void add_calibrate(CLI::App& app) {
  auto args = std::make_shared<CalibrateArgs>();
  auto* cmd = app.add_subcommand(
      "calibrate",
      "fit a softmax temperature on held-out clips so probabilities mean what they say");
  cmd->add_option("MODEL", args->model, "run directory, checkpoint (.h5) or .safetensors export")
      ->required();
  cmd->add_option("--data", args->data, "dataset file with clips the model did not train on")
      ->required();
  cmd->add_option("--split", args->split,
                  "test, valid (the model's folds), all, or auto: all for another corpus, else "
                  "test");
  cmd->add_option("--out", args->out, "the calibrated model: .h5, .safetensors or .onnx")
      ->required();
  cmd->add_option("--unseen-corpus-ua", args->unseen_corpus_ua,
                  "UA the recipe scored on corpora it never trained on (leave-one-corpus-out), "
                  "quoted in words beside every prediction")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--cv", args->cv,
                  "fit on a cross-validation's fold models (DIR/fold_K), each on its test fold");
  cmd->add_option("--folds", args->folds, "with --cv: the folds to pool (default: all)")
      ->delimiter(',');
  cmd->add_option("--weigh", args->weigh,
                  "how the clips count in the fit: corpora (each corpus the same), speakers, or "
                  "clips")
      ->check(CLI::IsMember({"corpora", "speakers", "clips"}));
  cmd->add_option("--threads", args->threads, "threads; 0 = all cores")->check(CLI::Range(0, 1024));
  cmd->add_flag("--overwrite", args->overwrite, "replace --out if it exists");
  cmd->callback([args] {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(args->out) && fs::equivalent(args->out, args->model, ec))
      throw InputError(args->out,
                       "is the model being calibrated; write the calibrated one to a "
                       "new file");
    if (fs::exists(args->out) && !args->overwrite)
      throw InputError(args->out, "already exists; choose another --out or add --overwrite");
    const Checkpoint checkpoint = load_model_checkpoint(args->model);
    const DatasetFile dataset(args->data);
    if (!args->folds.empty() && args->cv.empty())
      throw InputError("--folds", "picks folds of --cv DIR; give --cv too");
    std::vector<Checkpoint> fitted_on;
    for (int k : args->cv.empty() ? std::vector<int>{} : cv_folds(args->cv, args->folds))
      fitted_on.push_back(load_model_checkpoint((fs::path(args->cv) / cat("fold_", k)).string()));
    if (args->cv.empty()) fitted_on.push_back(checkpoint);
    const TemperatureFit fit = fit_pooled_temperature(
        dataset, fitted_on, args->split, args->threads, calibration_weighting(args->weigh));
    std::printf(
        "fitted on %lld clips (%s split of %s%s), each of the %s weighted the same; in-sample "
        "figures (ECE over every clip, %d bins):\n",
        static_cast<long long>(fit.clips), fit.split.c_str(), args->data.c_str(),
        args->cv.empty()
            ? ""
            : cat(", ", fitted_on.size(), fitted_on.size() == 1 ? " fold model" : " fold models")
                  .c_str(),
        weighting_name(fit.weighting), kCalibrationBins);
    print_report("before", fit.previous_temperature, fit.before);
    print_report("after", fit.temperature, fit.after);
    write_model(with_calibration(checkpoint, fit.temperature, args->unseen_corpus_ua), args->out);
    std::printf("-> %s (measure it on other speakers: calmspace eval %s --data ...)\n",
                args->out.c_str(), args->out.c_str());
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(calibrate, 52, calmspace::tools::add_calibrate);
