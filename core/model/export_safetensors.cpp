#include "core/model/export_safetensors.h"

#include <yaml-cpp/yaml.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/dataset/dataset_file.h"
#include "core/error.h"

namespace calmspace {

static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes little-endian");

namespace {

constexpr const char* kModelFormat = "calmspace-model";

std::int64_t product(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

}  // namespace

const SafetensorsTensor* Safetensors::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

void write_safetensors(const std::string& path, const Safetensors& file) {
  nlohmann::ordered_json header;
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::uint64_t offset = 0;
  for (const auto& t : file.tensors) {
    CALMSPACE_CHECK(product(t.shape) == static_cast<std::int64_t>(t.data.size()), "tensor ", t.name,
                    ": shape and data size differ");
    CALMSPACE_CHECK(t.name != "__metadata__" && !header.contains(t.name), "duplicate tensor ",
                    t.name);
    const std::uint64_t bytes = t.data.size() * sizeof(float);
    header[t.name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const std::uint64_t n = text.size();

  AtomicFile out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    if (!f) throw InputError(path, cat("cannot write (", std::strerror(errno), ")"));
    f.write(reinterpret_cast<const char*>(&n), 8);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : file.tensors)
      f.write(reinterpret_cast<const char*>(t.data.data()),
              static_cast<std::streamsize>(t.data.size() * sizeof(float)));
    f.flush();
    if (!f) throw InputError(path, "write failed (disk full?)");
  }
  out.commit();
}

Safetensors read_safetensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path, "cannot open safetensors file");
  f.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(f.tellg());
  f.seekg(0);
  std::uint64_t n = 0;
  if (size < 8 || !f.read(reinterpret_cast<char*>(&n), 8))
    throw InputError(path, "not a safetensors file (shorter than 8 bytes)");
  if (n > size - 8) throw InputError(path, cat("header length ", n, " exceeds the file size"));
  std::string text(n, '\0');
  f.read(text.data(), static_cast<std::streamsize>(n));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, cat("header is not valid JSON (", e.what(), ")"));
  }
  if (!header.is_object()) throw InputError(path, "header is not a JSON object");
  const std::uint64_t data_start = 8 + n;
  const std::uint64_t data_size = size - data_start;
  Safetensors out;
  std::vector<std::pair<std::uint64_t, SafetensorsTensor>> by_offset;
  try {
    for (const auto& [key, value] : header.items()) {
      if (key == "__metadata__") {
        for (const auto& [mk, mv] : value.items()) out.metadata[mk] = mv.get<std::string>();
        continue;
      }
      const auto dtype = value.at("dtype").get<std::string>();
      if (dtype != "F32")
        throw InputError(path,
                         cat("tensor ", key, " has dtype ", dtype, "; only F32 is supported"));
      SafetensorsTensor t;
      t.name = key;
      t.shape = value.at("shape").get<std::vector<std::int64_t>>();
      const auto offsets = value.at("data_offsets").get<std::vector<std::uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size)
        throw InputError(path, cat("tensor ", key, " has data offsets outside the file"));
      for (auto d : t.shape)
        if (d < 0) throw InputError(path, cat("tensor ", key, " has a negative dimension"));
      if (offsets[1] - offsets[0] != static_cast<std::uint64_t>(product(t.shape)) * sizeof(float))
        throw InputError(path, cat("tensor ", key, ": byte range does not match its shape"));
      t.data.resize(static_cast<std::size_t>(product(t.shape)));
      f.seekg(static_cast<std::streamoff>(data_start + offsets[0]));
      if (!f.read(reinterpret_cast<char*>(t.data.data()),
                  static_cast<std::streamsize>(offsets[1] - offsets[0])))
        throw InputError(path, cat("tensor ", key, " is truncated"));
      by_offset.emplace_back(offsets[0], std::move(t));
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, cat("malformed header (", e.what(), ")"));
  }
  std::stable_sort(by_offset.begin(), by_offset.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [offset, t] : by_offset) out.tensors.push_back(std::move(t));
  return out;
}

std::string model_options_yaml(const ModelOptions& options) {
  ModelOptions copy = options;
  OptionRegistry registry;
  copy.register_options(registry);
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const auto& e : registry.entries()) out << YAML::Key << e.name << YAML::Value << e.get();
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::map<std::string, std::string> model_export_metadata(const Checkpoint& checkpoint) {
  const Config config = checkpoint.config();
  std::map<std::string, std::string> metadata;
  metadata["format"] = kModelFormat;
  metadata["labels"] = nlohmann::json(checkpoint.labels).dump();
  metadata["features"] = feature_options_yaml(config.features);
  metadata["model"] = model_options_yaml(config.model);
  metadata["sample_rate"] = std::to_string(config.audio.sample_rate);
  metadata["input_norm"] = config.model.input_norm ? "true" : "false";
  metadata["config"] = checkpoint.config_yaml;
  return metadata;
}

Safetensors checkpoint_to_safetensors(const Checkpoint& checkpoint) {
  Safetensors out;
  out.metadata = model_export_metadata(checkpoint);
  for (const auto& p : checkpoint.layout) {
    CALMSPACE_CHECK(p.offset + p.size <= static_cast<std::int64_t>(checkpoint.weights.size()),
                    "parameter ", p.name, " beyond the weights");
    out.tensors.push_back({p.name, p.shape,
                           std::vector<float>(checkpoint.weights.begin() + p.offset,
                                              checkpoint.weights.begin() + p.offset + p.size)});
  }
  const auto f = static_cast<std::int64_t>(checkpoint.norm_mean.size());
  out.tensors.push_back({"input_norm.mean", {f}, checkpoint.norm_mean});
  out.tensors.push_back({"input_norm.std", {f}, checkpoint.norm_std});
  return out;
}

Checkpoint checkpoint_from_safetensors(const Safetensors& file, const std::string& path) {
  auto meta = [&](const std::string& key) -> const std::string& {
    const auto it = file.metadata.find(key);
    if (it == file.metadata.end())
      throw InputError(path, cat("not a CalmSpace model export (no '", key, "' metadata)"));
    return it->second;
  };
  if (meta("format") != kModelFormat)
    throw InputError(path, cat("metadata format is '", meta("format"), "', not ", kModelFormat));
  Checkpoint c;
  c.config_yaml = meta("config");
  try {
    c.labels = nlohmann::json::parse(meta("labels")).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    throw InputError(path, "metadata 'labels' is not a JSON list of strings");
  }
  if (c.labels.empty()) throw InputError(path, "metadata 'labels' is empty");
  const Config config = c.config(path);
  const int input_dim = config.features.feature_dim(config.audio.sample_rate);
  c.layout = parameter_layout(config.model, input_dim, static_cast<int>(c.labels.size()));
  for (const auto& p : c.layout) {
    const auto* t = file.find(p.name);
    if (!t) throw InputError(path, cat("tensor ", p.name, " is missing"));
    if (t->shape != p.shape)
      throw InputError(path,
                       cat("tensor ", p.name, " has another shape than the model options give"));
    c.weights.insert(c.weights.end(), t->data.begin(), t->data.end());
  }
  for (const char* name : {"input_norm.mean", "input_norm.std"}) {
    const auto* t = file.find(name);
    if (!t || static_cast<int>(t->data.size()) != input_dim)
      throw InputError(path, cat("tensor ", name, " is missing or not (", input_dim, ",)"));
  }
  c.norm_mean = file.find("input_norm.mean")->data;
  c.norm_std = file.find("input_norm.std")->data;
  return c;
}

void export_safetensors(const Checkpoint& checkpoint, const std::string& path) {
  write_safetensors(path, checkpoint_to_safetensors(checkpoint));
}

}  // namespace calmspace
