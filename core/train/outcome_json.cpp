#include "core/train/outcome_json.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

#include "core/base/error.h"

namespace calmspace {
namespace {

using nlohmann::json;

json number(double x) {
  return std::isnan(x) ? json(nullptr) : json(x);
}
double number(const json& j) {
  return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>();
}

json metrics_json(const Metrics& m) {
  json per_class = json::array();
  for (const ClassMetrics& c : m.per_class)
    per_class.push_back({c.precision, c.recall, c.f1, c.support, c.predicted});
  return {{"labels", m.labels},     {"confusion", m.confusion}, {"per_class", per_class},
          {"wa", number(m.wa)},     {"ua", number(m.ua)},       {"macro_f1", number(m.macro_f1)},
          {"loss", number(m.loss)}, {"clips", m.clips}};
}

Metrics metrics_of(const json& j) {
  Metrics m;
  m.labels = j.at("labels").get<std::vector<std::string>>();
  m.confusion = j.at("confusion").get<std::vector<std::vector<std::int64_t>>>();
  for (const json& c : j.at("per_class"))
    m.per_class.push_back({c.at(0).get<double>(), c.at(1).get<double>(), c.at(2).get<double>(),
                           c.at(3).get<std::int64_t>(), c.at(4).get<std::int64_t>()});
  m.wa = number(j.at("wa"));
  m.ua = number(j.at("ua"));
  m.macro_f1 = number(j.at("macro_f1"));
  m.loss = number(j.at("loss"));
  m.clips = j.at("clips").get<std::int64_t>();
  return m;
}

}  // namespace

std::string outcome_to_json(const TrainOutcome& o) {
  return json{{"history", json::parse(history_to_json(o.history))},
              {"best_epoch", o.best_epoch},
              {"best_valid_ua", number(o.best_valid_ua)},
              {"stopped_early", o.stopped_early},
              {"test", metrics_json(o.test)},
              {"ensemble", o.ensemble},
              {"run_dir", o.run_dir}}
      .dump();
}

TrainOutcome outcome_from_json(const std::string& text) {
  try {
    const json j = json::parse(text);
    TrainOutcome o;
    o.history = history_from_json(j.at("history").dump());
    o.best_epoch = j.at("best_epoch").get<int>();
    o.best_valid_ua = number(j.at("best_valid_ua"));
    o.stopped_early = j.at("stopped_early").get<bool>();
    o.test = metrics_of(j.at("test"));
    o.ensemble = j.at("ensemble").get<int>();
    o.run_dir = j.at("run_dir").get<std::string>();
    return o;
  } catch (const json::exception& e) {
    throw Error(cat("a rank's training outcome does not parse: ", e.what()));
  }
}

}  // namespace calmspace
