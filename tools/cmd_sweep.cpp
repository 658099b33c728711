// calmspace sweep [CONFIG] --data FILE.h5 --out DIR section.key=v1,v2 [...] [section.key=value ...]
// calmspace sweep --resume DIR --data FILE.h5
// A cross-validation (core/train/cross_validation.h) for every combination of the listed values
// (core/config/sweep.h): DIR/point_<p>/ is point p's cv folder, and DIR/sweep.json lists the
// points, their overrides and, as they finish, each one's test UA, WA and macro-F1 (mean and
// standard deviation over folds) and its mean validation UA. Points are ranked by that
// validation UA (each run's best epoch on the fold it validates on), not by the test UA each
// run reports. Run k validates on fold k + 1, which is run k + 1's test fold, so across the
// folds the same speakers serve both: the winner's test UA is optimistic, and a recipe chosen
// here must be confirmed on speakers the sweep never saw (another corpus, or a nested cv).
// Under MPI every point's runs are dealt to the ranks as `cv` deals them, so each point equals
// its one-process cv bit for bit.
// --resume carries on a killed sweep: finished folds are scored again, killed ones resume, the
// rest start, with any number of ranks.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/base/atomic_file.h"
#include "core/base/text.h"
#include "core/config/sweep.h"
#include "core/dataset/splits.h"
#include "core/model/backend.h"
#include "core/train/cross_validation.h"
#include "tools/config_args.h"
#include "tools/console_observer.h"
#include "tools/job.h"
#include "tools/verb.h"

namespace calmspace::tools {
namespace {

namespace fs = std::filesystem;

struct SweepArgs {
  std::string data, out, resume;
  ConfigArgs config;
};

std::string fixed4(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string joined(const nlohmann::json& overrides) {
  std::string s;
  for (const auto& o : overrides) s += (s.empty() ? "" : " ") + o.get<std::string>();
  return s;
}

// DIR/sweep.json as a sweep wrote it: "points", each with a "dir" and its "overrides".
nlohmann::json read_sweep_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path.parent_path().string(), "nothing to resume: no sweep.json");
  nlohmann::json sweep;
  try {
    sweep = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path.string(), cat("is not a sweep's JSON: ", e.what()));
  }
  bool ok = sweep.is_object() && sweep.contains("points") && sweep["points"].is_array() &&
            !sweep["points"].empty();
  for (std::size_t p = 0; ok && p < sweep["points"].size(); ++p) {
    const auto& point = sweep["points"][p];
    ok = point.is_object() && point.contains("dir") && point["dir"] == cat("point_", p) &&
         point.contains("overrides") && point["overrides"].is_array();
    for (std::size_t k = 0; ok && k < point["overrides"].size(); ++k)
      ok = point["overrides"][k].is_string();
  }
  if (!ok) throw InputError(path.string(), "is not a sweep's JSON: no list of points point_0...");
  return sweep;
}

double mean_valid_ua(const CvSummary& s) {
  double sum = 0;
  for (const TrainOutcome& fold : s.folds) sum += fold.best_valid_ua;
  return s.folds.empty() ? NAN : sum / static_cast<double>(s.folds.size());
}

// Ranks the finished points by mean validation UA (all must have one); writes "ranked_by" and
// "best" into `sweep` and prints the table.
void rank_and_print(nlohmann::json& sweep) {
  std::vector<std::size_t> order;
  bool validated = true;
  for (std::size_t p = 0; p < sweep["points"].size(); ++p) {
    const auto& point = sweep["points"][p];
    order.push_back(p);
    validated = validated && point.contains("valid_ua") && point["valid_ua"].is_number();
  }
  if (validated)
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return sweep["points"][a]["valid_ua"].get<double>() >
             sweep["points"][b]["valid_ua"].get<double>();
    });
  sweep["ranked_by"] = validated ? nlohmann::json("mean validation UA over folds") : nullptr;
  sweep["best"] = validated ? nlohmann::json(sweep["points"][order[0]]["dir"]) : nullptr;
  std::printf("\n| %s | point | validation UA | test UA | test WA | test macro-F1 |\n",
              validated ? "rank" : "#");
  std::printf("| --- | --- | --- | --- | --- | --- |\n");
  for (std::size_t r = 0; r < order.size(); ++r) {
    const auto& p = sweep["points"][order[r]];
    const auto stat = [&](const char* key) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "%.4f +- %.4f", p[key]["mean"].get<double>(),
                    p[key]["std"].get<double>());
      return std::string(buf);
    };
    const std::string valid = p["valid_ua"].is_number() ? fixed4(p["valid_ua"].get<double>()) : "-";
    std::printf("| %zu | %s | %s | %s | %s | %s |\n", r + 1, joined(p["overrides"]).c_str(),
                valid.c_str(), stat("ua").c_str(), stat("wa").c_str(), stat("macro_f1").c_str());
  }
  if (validated) {
    std::printf(
        "\nbest by validation UA: %s (%s); its test UA is optimistic (the folds share "
        "speakers between validation and test): confirm it on speakers this sweep never "
        "saw\n",
        sweep["best"].get<std::string>().c_str(),
        joined(sweep["points"][order[0]]["overrides"]).c_str());
  } else {
    std::string unvalidated;
    for (const auto& p : sweep["points"])
      if (!p["valid_ua"].is_number()) unvalidated += " " + p["dir"].get<std::string>();
    std::printf(
        "\nnot ranked: no validation UA for%s (train.validation=false); the only scores left are "
        "the test folds', and choosing a recipe by them would tune it on its own test speakers\n",
        unvalidated.c_str());
  }
}

void add_sweep(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  auto* cmd = app.add_subcommand(
      "sweep",
      "cross-validate every combination of config values, ranked by validation UA: sweep [CONFIG] "
      "--data FILE.h5 --out DIR section.key=v1,v2 [...]");
  cmd->add_option("--data", args->data, "dataset file made by `calmspace prepare`")->required();
  cmd->add_option("--out", args->out, "folder for the points' cv folders and sweep.json");
  cmd->add_option("--resume", args->resume, "continue a killed sweep in this folder");
  add_config_args(cmd, args->config, /*positional_config=*/true);
  cmd->callback([cmd, args] {
    if (args->resume.empty() == args->out.empty())
      throw InputError("sweep", "give exactly one of --out DIR or --resume DIR");
    const bool resume = !args->resume.empty();
    const fs::path out = resume ? args->resume : args->out;
    const fs::path sweep_json = out / "sweep.json";
    Cluster& cluster = job();
    nlohmann::json sweep;
    std::vector<Config> configs;  // fresh sweeps: each point's resolved config
    if (resume) {
      if (!cmd->remaining().empty() || !args->config.config_path.empty())
        throw InputError(cmd->remaining().empty() ? "--config" : cmd->remaining().front(),
                         "a resumed sweep keeps its stored points and configs; give only "
                         "--resume DIR --data FILE");
      sweep = read_sweep_json(sweep_json);
      configs.resize(sweep.at("points").size());
    } else {
      const auto [config_path, overrides] = config_tokens(cmd, args->config);
      const SweepSpec spec = parse_sweep(overrides);
      const auto points = sweep_points(spec.axes);
      sweep = {{"config", config_path},
               {"fixed", spec.fixed},
               {"axes", nlohmann::json::array()},
               {"points", nlohmann::json::array()}};
      for (const SweepAxis& axis : spec.axes)
        sweep["axes"].push_back({{"key", axis.key}, {"values", axis.values}});
      for (std::size_t p = 0; p < points.size(); ++p) {
        std::vector<std::string> all = spec.fixed;
        all.insert(all.end(), points[p].begin(), points[p].end());
        configs.push_back(resolve_config(config_path, all));  // every point valid before a run
        sweep["points"].push_back({{"dir", cat("point_", p)}, {"overrides", points[p]}});
      }
      if (args->config.print_config) {
        for (std::size_t p = 0; p < configs.size(); ++p)
          std::printf("# point_%zu: %s\n%s\n", p, joined(sweep["points"][p]["overrides"]).c_str(),
                      configs[p].to_yaml().c_str());
        return;
      }
      if (fs::exists(sweep_json))
        throw InputError(out.string(), "holds a sweep already: --resume it, or give another --out");
    }
    const DatasetFile dataset(args->data);
    // What a point's runs would refuse only when they start, checked for every point first, so
    // that point 5 cannot fail after points 0-4 trained for hours.
    for (const Config& c : resume ? std::vector<Config>{} : configs) {  // stored ones ran before
      check_config_folds(dataset.header(), c.data, dataset.path());
      if (num_test_folds(dataset.header(), c.data.fold_by) < 2)
        throw InputError(dataset.path(),
                         "has fewer than 2 folds for this fold_by; a sweep "
                         "cross-validates every point");
      resolve_model_device(c.model, c.train.device);
    }
    const std::size_t N = sweep["points"].size();
    cluster.idle_barrier();  // every rank has checked the folder before the root writes into it
    if (!resume && cluster.is_root()) {
      // Each point's config is stored first, so that --resume finds every point, started or not.
      for (std::size_t p = 0; p < N; ++p) {
        const fs::path dir = out / sweep["points"][p]["dir"].get<std::string>();
        fs::create_directories(dir);
        write_text_file_atomic((dir / "config.yaml").string(), configs[p].to_yaml());
      }
      write_text_file_atomic(sweep_json.string(), sweep.dump(2) + "\n");
    }
    cluster.idle_barrier();  // the points' folders exist before any rank trains into them
    if (cluster.is_root())
      std::printf("sweep of %zu points%s\n", N,
                  cluster.size() > 1 ? cat(" on ", cluster.description()).c_str() : "");
    ConsoleObserver observer;
    for (std::size_t p = 0; p < N; ++p) {
      auto& point = sweep["points"][p];
      const std::string dir = (out / point["dir"].get<std::string>()).string();
      const std::string what = joined(point["overrides"]);
      observer.set_prefix(cluster.size() > 1 ? rank_prefix() : cat("[point ", p + 1, "/", N, "] "));
      // A resumed sweep resumes every point: its stored config.yaml wins (started or not).
      const CvSummary s = cross_validate(dataset, configs[p], dir, &observer, {}, 0,
                                         /*resume=*/resume, cluster);
      if (!cluster.is_root()) continue;
      const double valid = mean_valid_ua(s);
      point["valid_ua"] = std::isfinite(valid) ? nlohmann::json(valid) : nullptr;
      point["ua"] = {{"mean", s.ua_mean}, {"std", s.ua_std}};
      point["wa"] = {{"mean", s.wa_mean}, {"std", s.wa_std}};
      point["macro_f1"] = {{"mean", s.f1_mean}, {"std", s.f1_std}};
      write_text_file_atomic(sweep_json.string(), sweep.dump(2) + "\n");
      std::printf("point %zu/%zu (%s): validation UA %s  test UA %.4f +- %.4f -> %s/cv.json\n",
                  p + 1, N, what.c_str(), std::isfinite(valid) ? fixed4(valid).c_str() : "-",
                  s.ua_mean, s.ua_std, dir.c_str());
      std::fflush(stdout);
    }
    if (!cluster.is_root()) return;
    rank_and_print(sweep);
    write_text_file_atomic(sweep_json.string(), sweep.dump(2) + "\n");
    std::printf("-> %s\n", sweep_json.string().c_str());
  });
}

}  // namespace
}  // namespace calmspace::tools

CALMSPACE_VERB(sweep, 46, calmspace::tools::add_sweep);
