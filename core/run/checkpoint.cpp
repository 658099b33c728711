#include "core/run/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/base/hdf5_util.h"

namespace calmspace {

namespace {

template <class T>
hid_t file_type() {
  if constexpr (std::is_same_v<T, double>)
    return H5T_IEEE_F64LE;
  else
    return H5T_STD_I64LE;
}

template <class T>
void write_attr(hid_t loc, const std::string& name, T value) {
  h5::Handle space = h5::check(H5Screate(H5S_SCALAR), "attribute space");
  h5::Handle attr =
      h5::check(H5Acreate2(loc, name.c_str(), file_type<T>(), space, H5P_DEFAULT, H5P_DEFAULT),
                "create attribute " + name);
  h5::check(H5Awrite(attr, h5::native_type<T>(), &value), "write attribute " + name);
}

template <class T>
T read_attr(hid_t loc, const std::string& name) {
  h5::Handle attr = h5::check(H5Aopen(loc, name.c_str(), H5P_DEFAULT), "attribute " + name);
  T value{};
  h5::check(H5Aread(attr, h5::native_type<T>(), &value), "read attribute " + name);
  return value;
}

void write_text(hid_t loc, const std::string& name, const std::string& text) {
  h5::write_strings(loc, name, {text});
}
std::string read_text(hid_t loc, const std::string& name) {
  const auto v = h5::read_strings(loc, name);
  if (v.size() != 1) throw Error(name + ": expected one string");
  return v[0];
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

void check_consistent(const Checkpoint& c, const std::string& path) {
  std::int64_t total = 0;
  for (const auto& p : c.layout) {
    std::int64_t size = 1;
    for (auto d : p.shape) size *= d;
    CALMSPACE_CHECK(size == p.size && p.offset == total, path, ": parameter ", p.name,
                    " has an inconsistent size or offset");
    total += p.size;
  }
  CALMSPACE_CHECK(static_cast<std::int64_t>(c.weights.size()) == total, path, ": ",
                  c.weights.size(), " weights for a layout of ", total);
  CALMSPACE_CHECK(c.norm_mean.size() == c.norm_std.size(), path, ": norm mean/std sizes differ");
  CALMSPACE_CHECK(
      c.state.optimizer_m.size() == c.state.optimizer_v.size() &&
          (c.state.optimizer_m.empty() || c.state.optimizer_m.size() == c.weights.size()),
      path, ": optimizer moments must be empty or the weights' size");
}

void fsync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void write_file(const std::string& file_path, const Checkpoint& c) {
  h5::Handle file = h5::check(H5Fcreate(file_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                              "create file");
  h5::write_attr_string(file, "format", kCheckpointFormat);
  h5::write_attr_int(file, "schema_version", kCheckpointSchemaVersion);
  write_text(file, "config", c.config_yaml);
  h5::write_strings(file, "labels", c.labels);
  {
    h5::Handle layout = h5::group_create(file, "layout");
    std::vector<std::string> names;
    for (const auto& p : c.layout) names.push_back(p.name);
    h5::write_strings(layout, "names", names);
  }
  {
    h5::Handle weights = h5::group_create(file, "weights");
    for (const auto& p : c.layout) {
      std::vector<hsize_t> dims(p.shape.begin(), p.shape.end());
      h5::write_array<float>(
          weights, p.name,
          std::span<const float>(c.weights.data() + p.offset, static_cast<std::size_t>(p.size)),
          dims);
    }
  }
  {
    h5::Handle norm = h5::group_create(file, "input_norm");
    h5::write_array<float>(norm, "mean", c.norm_mean);
    h5::write_array<float>(norm, "std", c.norm_std);
  }
  {
    const auto& s = c.state;
    h5::Handle state = h5::group_create(file, "state");
    write_attr<std::int64_t>(state, "epoch", s.epoch);
    write_attr<std::int64_t>(state, "global_step", s.global_step);
    write_attr<double>(state, "best_valid_ua", s.best_valid_ua);
    write_attr<std::int64_t>(state, "best_epoch", s.best_epoch);
    write_attr<std::int64_t>(state, "epochs_without_improvement", s.epochs_without_improvement);
    write_attr<std::int64_t>(state, "optimizer_step", s.optimizer_step);
    write_attr<double>(state, "lr", s.lr);
    write_attr<double>(state, "plateau_lr", s.plateau_lr);
    h5::write_array<float>(state, "optimizer_m", s.optimizer_m);
    h5::write_array<float>(state, "optimizer_v", s.optimizer_v);
    write_text(state, "metrics_history", s.metrics_history);
  }
  // Flush with a checked status before the handle closes the file (a close cannot report).
  h5::check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush");
}

}  // namespace

Config Checkpoint::config(const std::string& source) const {
  Config c;
  try {
    c.merge_yaml_text(config_yaml, source);
    c.validate();  // a model file's config is input too (a feature size of 0 failed a check)
  } catch (const InputError& e) {
    const std::string reason = e.subject() == source ? e.reason() : std::string(e.what());
    throw InputError(source, "its stored config is not usable: " + reason);
  }
  return c;
}

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  check_consistent(checkpoint, path);
  h5::quiet();
  AtomicFile out(path);
  try {
    write_file(out.temp_path(), checkpoint);
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    throw InputError(path, cat("cannot write checkpoint (", e.what(), ")"));
  }
  fsync_file(out.temp_path());
  out.commit();
}

Checkpoint load_checkpoint(const std::string& path) {
  h5::quiet();
  if (!std::filesystem::is_regular_file(path)) throw InputError(path, "no such checkpoint file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw InputError(path, "not a checkpoint (not an HDF5 file)");
  Checkpoint c;
  try {
    h5::Handle file = h5::check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open file");
    if (!h5::has_attr(file, "format") || h5::read_attr_string(file, "format") != kCheckpointFormat)
      throw InputError(path, "not a CalmSpace checkpoint (no format attribute)");
    const int version = h5::read_attr_int(file, "schema_version");
    if (version != kCheckpointSchemaVersion)
      throw InputError(path, cat("checkpoint schema version ", version, " is not supported (this ",
                                 "build reads version ", kCheckpointSchemaVersion, ")"));
    c.config_yaml = read_text(file, "config");
    c.labels = h5::read_strings(file, "labels");
    const auto names = h5::read_strings(file, "layout/names");
    {
      h5::Handle weights = h5::group_open(file, "weights");
      std::int64_t offset = 0;
      for (const auto& name : names) {
        if (!h5::exists(weights, name))
          throw InputError(path, cat("parameter ", name, " is missing under /weights"));
        h5::Handle ds = h5::dataset_open(weights, name);
        ParamView p;
        p.name = name;
        p.size = 1;
        for (auto d : h5::dims_of(ds)) {
          p.shape.push_back(static_cast<std::int64_t>(d));
          p.size *= static_cast<std::int64_t>(d);
        }
        p.offset = offset;
        offset += p.size;
        const auto values = h5::read_array<float>(weights, name);
        c.weights.insert(c.weights.end(), values.begin(), values.end());
        c.layout.push_back(std::move(p));
      }
    }
    c.norm_mean = h5::read_array<float>(file, "input_norm/mean");
    c.norm_std = h5::read_array<float>(file, "input_norm/std");
    h5::Handle state = h5::group_open(file, "state");
    auto& s = c.state;
    s.epoch = read_attr<std::int64_t>(state, "epoch");
    s.global_step = read_attr<std::int64_t>(state, "global_step");
    s.best_valid_ua = read_attr<double>(state, "best_valid_ua");
    s.best_epoch = read_attr<std::int64_t>(state, "best_epoch");
    s.epochs_without_improvement = read_attr<std::int64_t>(state, "epochs_without_improvement");
    s.optimizer_step = read_attr<std::int64_t>(state, "optimizer_step");
    s.lr = read_attr<double>(state, "lr");
    s.plateau_lr = read_attr<double>(state, "plateau_lr");
    s.optimizer_m = h5::read_array<float>(state, "optimizer_m");
    s.optimizer_v = h5::read_array<float>(state, "optimizer_v");
    s.metrics_history = read_text(state, "metrics_history");
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    throw InputError(path, cat("damaged or incomplete checkpoint (", e.what(), ")"));
  }

  // The layout must be what the stored config's model options give.
  const Config config = c.config(path);
  if (c.labels.empty()) throw InputError(path, "the checkpoint has no label names");
  const int input_dim = config.features.feature_dim(config.audio.sample_rate);
  const auto expected =
      parameter_layout(config.model, input_dim, static_cast<int>(c.labels.size()));
  if (expected.size() != c.layout.size())
    throw InputError(path, cat("holds ", c.layout.size(), " parameters but its model options (",
                               enum_name(cell_kind_table(), config.model.cell), ", ",
                               config.model.num_layers, " layers) give ", expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& want = expected[i];
    const auto& got = c.layout[i];
    if (want.name != got.name || want.shape != got.shape)
      throw InputError(path,
                       cat("parameter ", i, " is ", got.name, " ", shape_text(got.shape),
                           " but the model options give ", want.name, " ", shape_text(want.shape)));
  }
  if (static_cast<int>(c.norm_mean.size()) != input_dim ||
      static_cast<int>(c.norm_std.size()) != input_dim)
    throw InputError(
        path, cat("input_norm has ", c.norm_mean.size(), " values; the features give ", input_dim));
  if (!(c.state.optimizer_m.size() == c.state.optimizer_v.size() &&
        (c.state.optimizer_m.empty() || c.state.optimizer_m.size() == c.weights.size())))
    throw InputError(path, "optimizer moments do not match the weights");
  check_model_values(path, c);
  return c;
}

void check_model_values(const std::string& path, const Checkpoint& checkpoint) {
  for (const auto& p : checkpoint.layout) {
    const auto begin = static_cast<std::size_t>(p.offset);
    const auto end = std::min(begin + static_cast<std::size_t>(p.size), checkpoint.weights.size());
    for (std::size_t i = begin; i < end; ++i)
      if (!std::isfinite(checkpoint.weights[i]))
        throw InputError(path, cat("holds a non-finite value in ", p.name,
                                   ": a damaged or diverged model, which would answer NaN"));
  }
  for (const float m : checkpoint.norm_mean)
    if (!std::isfinite(m))
      throw InputError(path, "holds a non-finite input_norm.mean: a damaged model");
  for (const float s : checkpoint.norm_std)
    if (!(s > 0 && std::isfinite(s)))
      throw InputError(path, cat("holds input_norm.std ", s,
                                 " (each must be a finite number > 0): a damaged model"));
}

}  // namespace calmspace
