#include "core/export/onnx_builder.h"

namespace calmspace::onnx_builder {

onnx::AttributeProto attr(const std::string& name, std::int64_t value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(value);
  return a;
}

onnx::AttributeProto attr(const std::string& name, float value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(value);
  return a;
}

onnx::AttributeProto attr(const std::string& name, const std::string& value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s(value);
  return a;
}

onnx::AttributeProto attr(const std::string& name, const std::vector<std::int64_t>& values) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (auto v : values) a.add_ints(v);
  return a;
}

onnx::AttributeProto attr(const std::string& name, const std::vector<std::string>& values) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::STRINGS);
  for (const auto& v : values) a.add_strings(v);
  return a;
}

std::string GraphBuilder::fresh(const std::string& hint) {
  return hint + "_" + std::to_string(counter_++);
}

std::string GraphBuilder::floats(const std::string& hint, const std::vector<std::int64_t>& dims,
                                 std::span<const float> values) {
  auto* t = graph_->add_initializer();
  t->set_name(fresh(hint));
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
  return t->name();
}

std::string GraphBuilder::int64s(const std::string& hint, const std::vector<std::int64_t>& dims,
                                 std::span<const std::int64_t> values) {
  auto* t = graph_->add_initializer();
  t->set_name(fresh(hint));
  t->set_data_type(onnx::TensorProto::INT64);
  for (auto d : dims) t->add_dims(d);
  for (auto v : values) t->add_int64_data(v);
  return t->name();
}

std::string GraphBuilder::scalar_int64(const std::string& hint, std::int64_t value) {
  return int64s(hint, {}, std::span<const std::int64_t>(&value, 1));
}

std::string GraphBuilder::scalar_float(const std::string& hint, float value) {
  return floats(hint, {}, std::span<const float>(&value, 1));
}

std::vector<std::string> GraphBuilder::node(const std::string& op_type,
                                            const std::vector<std::string>& inputs, int num_outputs,
                                            std::vector<onnx::AttributeProto> attrs) {
  auto* n = graph_->add_node();
  n->set_op_type(op_type);
  n->set_name(fresh(op_type));
  for (const auto& in : inputs) n->add_input(in);
  std::vector<std::string> outputs;
  for (int i = 0; i < num_outputs; ++i) {
    outputs.push_back(fresh(op_type + "_out"));
    n->add_output(outputs.back());
  }
  for (auto& a : attrs) *n->add_attribute() = std::move(a);
  return outputs;
}

void GraphBuilder::op_to(const std::string& output, const std::string& op_type,
                         const std::vector<std::string>& inputs,
                         std::vector<onnx::AttributeProto> attrs) {
  auto* n = graph_->add_node();
  n->set_op_type(op_type);
  n->set_name(fresh(op_type));
  for (const auto& in : inputs) n->add_input(in);
  n->add_output(output);
  for (auto& a : attrs) *n->add_attribute() = std::move(a);
}

namespace {

void fill_value_info(onnx::ValueInfoProto* v, const std::string& name,
                     onnx::TensorProto_DataType type, const std::vector<Dim>& dims,
                     const std::string& doc) {
  v->set_name(name);
  v->set_doc_string(doc);
  auto* tensor = v->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(type);
  auto* shape = tensor->mutable_shape();
  for (const auto& d : dims) {
    auto* dim = shape->add_dim();
    if (std::holds_alternative<std::int64_t>(d))
      dim->set_dim_value(std::get<std::int64_t>(d));
    else
      dim->set_dim_param(std::get<std::string>(d));
  }
}

}  // namespace

void GraphBuilder::input(const std::string& name, onnx::TensorProto_DataType type,
                         const std::vector<Dim>& dims, const std::string& doc) {
  fill_value_info(graph_->add_input(), name, type, dims, doc);
}

void GraphBuilder::output(const std::string& name, onnx::TensorProto_DataType type,
                          const std::vector<Dim>& dims, const std::string& doc) {
  fill_value_info(graph_->add_output(), name, type, dims, doc);
}

}  // namespace calmspace::onnx_builder
