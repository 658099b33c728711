// A thin helper for writing an ONNX graph (onnx::GraphProto from Debian's libonnx-dev, the ONNX
// 1.12 protobuf schema, https://onnx.ai/onnx/repo-docs/IR.html): float / int64 initializers,
// nodes with fresh output names, typed graph inputs and outputs. Internal to core/model (the
// protobuf types stay out of public headers); export_onnx.cpp builds the model graph with it.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace calmspace::onnx_builder {

// One node attribute: int, float, string, ints or strings (onnx::AttributeProto).
onnx::AttributeProto attr(const std::string& name, std::int64_t value);
onnx::AttributeProto attr(const std::string& name, float value);
onnx::AttributeProto attr(const std::string& name, const std::string& value);
onnx::AttributeProto attr(const std::string& name, const std::vector<std::int64_t>& values);
onnx::AttributeProto attr(const std::string& name, const std::vector<std::string>& values);
// Literals: attr("axis", 1), attr("direction", "forward").
inline onnx::AttributeProto attr(const std::string& name, int value) {
  return attr(name, static_cast<std::int64_t>(value));
}
inline onnx::AttributeProto attr(const std::string& name, const char* value) {
  return attr(name, std::string(value));
}
using Ints = std::vector<std::int64_t>;  // attr("perm", Ints{1, 0, 2})

// A dimension of a graph input/output: fixed size or symbolic name ("batch", "time").
using Dim = std::variant<std::int64_t, std::string>;

class GraphBuilder {
 public:
  explicit GraphBuilder(onnx::GraphProto* graph) : graph_(graph) {}

  // Initializers (constant tensors stored in the model); return their (unique) names.
  std::string floats(const std::string& hint, const std::vector<std::int64_t>& dims,
                     std::span<const float> values);
  std::string int64s(const std::string& hint, const std::vector<std::int64_t>& dims,
                     std::span<const std::int64_t> values);
  std::string int64s(const std::string& hint, std::initializer_list<std::int64_t> values) {
    return int64s(hint, {static_cast<std::int64_t>(values.size())},
                  std::span<const std::int64_t>(values.begin(), values.size()));
  }
  std::string scalar_int64(const std::string& hint, std::int64_t value);
  std::string scalar_float(const std::string& hint, float value);

  // A node of `op_type` (default domain); "" in `inputs` skips an optional input. Returns the
  // names of its `num_outputs` fresh outputs.
  std::vector<std::string> node(const std::string& op_type, const std::vector<std::string>& inputs,
                                int num_outputs, std::vector<onnx::AttributeProto> attrs = {});
  // The common single-output case.
  std::string op(const std::string& op_type, const std::vector<std::string>& inputs,
                 std::vector<onnx::AttributeProto> attrs = {}) {
    return node(op_type, inputs, 1, std::move(attrs))[0];
  }
  // A node whose single output gets the given name (a graph output).
  void op_to(const std::string& output, const std::string& op_type,
             const std::vector<std::string>& inputs, std::vector<onnx::AttributeProto> attrs = {});

  void input(const std::string& name, onnx::TensorProto_DataType type, const std::vector<Dim>& dims,
             const std::string& doc);
  void output(const std::string& name, onnx::TensorProto_DataType type,
              const std::vector<Dim>& dims, const std::string& doc);

 private:
  std::string fresh(const std::string& hint);

  onnx::GraphProto* graph_;
  int counter_ = 0;
};

}  // namespace calmspace::onnx_builder
