#include "core/bench/shape_table.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "core/base/error.h"

namespace calmspace {
namespace {

const std::set<std::string> kKeys = {"cells", "input",         "hidden", "layers",
                                     "batch", "bidirectional", "frames", "classes"};

struct Parser {
  std::string source;

  [[noreturn]] void fail(const std::string& key, const std::string& reason) const {
    throw InputError(cat(source, ": ", key), reason);
  }

  std::vector<YAML::Node> values(const YAML::Node& n) const {
    std::vector<YAML::Node> out;
    if (n.IsSequence())
      for (const auto& v : n) out.push_back(v);
    else
      out.push_back(n);
    return out;
  }

  int positive(const YAML::Node& n, const std::string& key, int max) const {
    if (!n.IsScalar()) fail(key, "must be a positive integer");
    int v = 0;
    try {
      std::size_t used = 0;
      v = std::stoi(n.Scalar(), &used);
      if (used != n.Scalar().size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      fail(key, cat("must be a positive integer, got '", n.Scalar(), "'"));
    }
    if (v < 1 || v > max) fail(key, cat("must be in [1, ", max, "], got ", v));
    return v;
  }

  bool boolean(const YAML::Node& n, const std::string& key) const {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      if (s == "true" || s == "yes" || s == "bidi" || s == "bi") return true;
      if (s == "false" || s == "no" || s == "uni") return false;
    }
    fail(key, "must be true or false");
  }

  CellKind cell(const YAML::Node& n, const std::string& key) const {
    if (n.IsScalar())
      for (const auto& [name, value] : cell_kind_table())
        if (name == n.Scalar()) return value;
    fail(key, cat("unknown cell '", n.IsScalar() ? n.Scalar() : "?",
                  "' (rnn, rnn_tanh, rnn_relu, lstm, gru)"));
  }

  // Applies one key's (single) value to `s`.
  void apply(RecurrentShape& s, const std::string& k, const YAML::Node& v,
             const std::string& key) const {
    if (k == "cells")
      s.cell = cell(v, key);
    else if (k == "input")
      s.input = positive(v, key, 1 << 16);
    else if (k == "hidden")
      s.hidden = positive(v, key, 1 << 14);
    else if (k == "layers")
      s.layers = positive(v, key, 16);
    else if (k == "bidirectional")
      s.bidirectional = boolean(v, key);
    else if (k == "batch")
      s.batch = positive(v, key, 1 << 16);
    else if (k == "frames")
      s.frames = positive(v, key, 1 << 20);
    else if (k == "classes")
      s.classes = positive(v, key, 1 << 16);
  }

  // Expands `map` over `base`: every key's list of values, cartesian product (cells included).
  void expand(const YAML::Node& map, const std::string& where, const RecurrentShape& base,
              const std::vector<CellKind>& base_cells, std::vector<RecurrentShape>& out) const {
    if (!map.IsMap()) fail(where, "must be a mapping of shape keys");
    std::vector<std::pair<std::string, std::vector<YAML::Node>>> axes;
    bool has_cells = false;
    for (const auto& kv : map) {
      const std::string k = kv.first.as<std::string>();
      if (!kKeys.count(k))
        fail(cat(where, ".", k),
             "unknown key (cells, input, hidden, layers, bidirectional, batch, "
             "frames, classes)");
      auto vals = values(kv.second);
      if (vals.empty()) fail(cat(where, ".", k), "empty list");
      has_cells = has_cells || k == "cells";
      axes.emplace_back(k, std::move(vals));
    }
    if (!has_cells) {
      YAML::Node cells;
      for (auto c : base_cells) cells.push_back(cell_short_name(c));
      axes.emplace_back("cells", values(cells));
    }
    std::vector<std::size_t> idx(axes.size(), 0);
    while (true) {
      RecurrentShape s = base;
      for (std::size_t a = 0; a < axes.size(); ++a)
        apply(s, axes[a].first, axes[a].second[idx[a]], where + "." + axes[a].first);
      out.push_back(s);
      std::size_t a = 0;
      for (; a < axes.size(); ++a) {
        if (++idx[a] < axes[a].second.size()) break;
        idx[a] = 0;
      }
      if (a == axes.size()) break;
    }
  }
};

}  // namespace

std::string cell_short_name(CellKind cell) {
  switch (cell) {
    case CellKind::RnnTanh:
      return "rnn";
    case CellKind::RnnRelu:
      return "rnn_relu";
    case CellKind::Lstm:
      return "lstm";
    case CellKind::Gru:
      return "gru";
  }
  return "?";
}

std::string RecurrentShape::name() const {
  return cat(cell_short_name(cell), "/H", hidden, "_L", layers, bidirectional ? "_bi" : "_uni",
             "_B", batch, "_T", frames, "_F", input);
}

ModelOptions RecurrentShape::model_options() const {
  ModelOptions o;
  o.cell = cell;
  o.hidden_size = hidden;
  o.num_layers = layers;
  o.bidirectional = bidirectional;
  o.dropout = 0;
  o.pooling = PoolingKind::Mean;
  o.input_norm = false;
  return o;
}

RecurrentFlops recurrent_flops(const RecurrentShape& s) {
  const double G = gate_count(s.cell), H = s.hidden, D = s.bidirectional ? 2 : 1;
  const double frames = static_cast<double>(s.batch) * s.frames;
  RecurrentFlops f;
  for (int l = 0; l < s.layers; ++l) {
    const double I = l == 0 ? s.input : H * D;
    f.forward += D * 2 * G * H * (I + H);
    f.backward_data += D * 2 * G * H * ((l == 0 ? 0 : I) + H);
    f.backward_weights += D * 2 * G * H * (I + H);
  }
  f.forward *= frames;
  f.backward_data *= frames;
  f.backward_weights *= frames;
  return f;
}

ShapeTable parse_shape_table(const std::string& text, const std::string& source) {
  const Parser p{source};
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(source, cat("not valid YAML: ", e.what()));
  }
  if (!root.IsMap()) throw InputError(source, "a shape table must be a YAML mapping");
  ShapeTable table;
  table.path = source;
  RecurrentShape base;
  std::vector<CellKind> base_cells = {CellKind::RnnTanh, CellKind::Lstm, CellKind::Gru};
  for (const auto& kv : root) {
    const std::string k = kv.first.as<std::string>();
    if (k != "description" && k != "defaults" && k != "grid" && k != "shapes")
      p.fail(k, "unknown key (description, defaults, grid, shapes)");
  }
  if (root["description"]) table.description = root["description"].as<std::string>();
  if (const auto d = root["defaults"]) {
    if (!d.IsMap()) p.fail("defaults", "must be a mapping of shape keys");
    for (const auto& kv : d) {
      const std::string k = kv.first.as<std::string>();
      const std::string key = "defaults." + k;
      if (!kKeys.count(k)) p.fail(key, "unknown key");
      if (k == "cells") {
        base_cells.clear();
        for (const auto& v : p.values(kv.second)) base_cells.push_back(p.cell(v, key));
      } else {
        p.apply(base, k, kv.second, key);
      }
    }
  }
  std::vector<RecurrentShape> all;
  if (const auto g = root["grid"]) {
    if (g.IsSequence())
      for (std::size_t i = 0; i < g.size(); ++i)
        p.expand(g[i], cat("grid[", i, "]"), base, base_cells, all);
    else
      p.expand(g, "grid", base, base_cells, all);
  }
  if (const auto s = root["shapes"]) {
    if (!s.IsSequence()) p.fail("shapes", "must be a list of shape mappings");
    for (std::size_t i = 0; i < s.size(); ++i)
      p.expand(s[i], cat("shapes[", i, "]"), base, base_cells, all);
  }
  if (all.empty()) throw InputError(source, "no shapes (give `grid` or `shapes`)");
  std::set<std::string> seen;
  for (auto& s : all)
    if (seen.insert(s.name() + cat("_C", s.classes)).second) table.shapes.push_back(s);
  return table;
}

ShapeTable load_shape_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open the shape table");
  std::stringstream s;
  s << in.rdbuf();
  return parse_shape_table(s.str(), path);
}

}  // namespace calmspace
