#include "core/train/epoch_record.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

namespace calmspace {
namespace {

// JSON has no NaN: write null, read null back as NaN.
nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}
double number(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return (it == j.end() || it->is_null()) ? std::numeric_limits<double>::quiet_NaN()
                                          : it->get<double>();
}

nlohmann::json to_object(const EpochRecord& r) {
  return {{"epoch", r.epoch},
          {"lr", number(r.lr)},
          {"train_loss", number(r.train_loss)},
          {"train_accuracy", number(r.train_accuracy)},
          {"valid_loss", number(r.valid_loss)},
          {"valid_wa", number(r.valid_wa)},
          {"valid_ua", number(r.valid_ua)},
          {"valid_macro_f1", number(r.valid_macro_f1)},
          {"seconds", number(r.seconds)},
          {"clips_per_s", number(r.clips_per_s)},
          {"grad_norm", number(r.grad_norm)}};
}

EpochRecord from_object(const nlohmann::json& j) {
  EpochRecord r;
  r.epoch = j.at("epoch").get<int>();
  r.lr = number(j, "lr");
  r.train_loss = number(j, "train_loss");
  r.train_accuracy = number(j, "train_accuracy");
  r.valid_loss = number(j, "valid_loss");
  r.valid_wa = number(j, "valid_wa");
  r.valid_ua = number(j, "valid_ua");
  r.valid_macro_f1 = number(j, "valid_macro_f1");
  r.seconds = number(j, "seconds");
  r.clips_per_s = number(j, "clips_per_s");
  r.grad_norm = number(j, "grad_norm");
  return r;
}

}  // namespace

std::string EpochRecord::to_json() const {
  return to_object(*this).dump();
}

EpochRecord EpochRecord::from_json(const std::string& text) {
  return from_object(nlohmann::json::parse(text));
}

std::string history_to_json(const std::vector<EpochRecord>& history) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& r : history) array.push_back(to_object(r));
  return array.dump();
}

std::vector<EpochRecord> history_from_json(const std::string& text) {
  std::vector<EpochRecord> out;
  for (const auto& j : nlohmann::json::parse(text)) out.push_back(from_object(j));
  return out;
}

std::string history_to_jsonl(const std::vector<EpochRecord>& history) {
  std::string out;
  for (const auto& r : history) out += r.to_json() + "\n";
  return out;
}

std::string history_to_csv(const std::vector<EpochRecord>& history) {
  std::ostringstream out;
  out.precision(9);
  out << "epoch,lr,train_loss,train_accuracy,valid_loss,valid_wa,valid_ua,valid_macro_f1,"
         "seconds,clips_per_s,grad_norm\n";
  for (const auto& r : history)
    out << r.epoch << ',' << r.lr << ',' << r.train_loss << ',' << r.train_accuracy << ','
        << r.valid_loss << ',' << r.valid_wa << ',' << r.valid_ua << ',' << r.valid_macro_f1 << ','
        << r.seconds << ',' << r.clips_per_s << ',' << r.grad_norm << '\n';
  return out.str();
}

}  // namespace calmspace
