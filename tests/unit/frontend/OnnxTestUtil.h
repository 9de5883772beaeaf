// Helpers for frontend tests: build small ONNX models in C++ with the
// protobuf classes, import them, and make tensors.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "frontend/OnnxImporter.h"
#include "support/Tensor.h"

namespace ingot::frontend::testing {

using Dim = std::variant<int64_t, std::string>;

inline void setTensor(onnx::TensorProto* p, const std::string& name, const Tensor& t) {
  p->set_name(name);
  p->set_data_type(t.dtype() == DType::F32 ? onnx::TensorProto::FLOAT
                   : t.dtype() == DType::I64 ? onnx::TensorProto::INT64
                   : t.dtype() == DType::I32 ? onnx::TensorProto::INT32
                   : t.dtype() == DType::F64 ? onnx::TensorProto::DOUBLE
                   : t.dtype() == DType::Bool ? onnx::TensorProto::BOOL
                                              : onnx::TensorProto::UNDEFINED);
  for (int64_t d : t.shape()) p->add_dims(d);
  p->set_raw_data(reinterpret_cast<const char*>(t.rawData()), t.byteSize());
}

class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 13, int64_t irVersion = 7) {
    model_.set_ir_version(irVersion);
    model_.set_producer_name("test");
    auto* os = model_.add_opset_import();
    os->set_domain("");
    os->set_version(opset);
    g()->set_name("test_graph");
  }
  onnx::GraphProto* g() { return model_.mutable_graph(); }
  onnx::ModelProto& model() { return model_; }

  void opset(const std::string& domain, int64_t version) {
    auto* os = model_.add_opset_import();
    os->set_domain(domain);
    os->set_version(version);
  }

  onnx::ValueInfoProto* input(const std::string& name, std::vector<Dim> dims,
                              int32_t elemType = onnx::TensorProto::FLOAT) {
    auto* vi = g()->add_input();
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(elemType);
    auto* shape = tt->mutable_shape();
    for (const auto& d : dims) {
      auto* dim = shape->add_dim();
      if (auto* v = std::get_if<int64_t>(&d)) {
        if (*v >= 0) dim->set_dim_value(*v);  // -1: unknown (neither field)
      } else {
        dim->set_dim_param(std::get<std::string>(d));
      }
    }
    return vi;
  }
  void output(const std::string& name) { g()->add_output()->set_name(name); }
  void initializer(const std::string& name, const Tensor& t) { setTensor(g()->add_initializer(), name, t); }

  onnx::NodeProto* node(const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs,
                        const std::string& name = {}, const std::string& domain = {}) {
    auto* n = g()->add_node();
    n->set_op_type(op);
    n->set_name(name);
    n->set_domain(domain);
    for (auto& i : ins) n->add_input(i);
    for (auto& o : outs) n->add_output(o);
    return n;
  }
  // A Constant node with a `value` tensor.
  void constant(const std::string& out, const Tensor& t) {
    auto* a = node("Constant", {}, {out})->add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    setTensor(a->mutable_t(), "", t);
  }

  std::string bytes() const { return model_.SerializeAsString(); }
  Expected<ImportedModel> import(const ImportOptions& opts = {}, const std::string& dir = {}) const {
    return importOnnxBytes(bytes(), dir, "test.onnx", opts);
  }

 private:
  onnx::ModelProto model_;
};

inline void attrInt(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void attrInts(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void attrFloat(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

inline Tensor i64s(std::vector<int64_t> v) {
  return Tensor::fromVector<int64_t>({static_cast<int64_t>(v.size())}, v);
}

inline Tensor randomTensor(Shape shape, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.f, 2.f);
  Tensor t(DType::F32, std::move(shape));
  for (int64_t i = 0; i < t.numElements(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// The first value of `t` that differs from `want` by more than `tol`
// (relative to max(1, |want|)), or -1.
inline int64_t firstMismatch(const Tensor& t, const Tensor& want, double tol) {
  if (t.shape() != want.shape()) return 0;
  for (int64_t i = 0; i < t.numElements(); ++i) {
    double a = t.elementAsDouble(i), b = want.elementAsDouble(i);
    if (std::abs(a - b) > tol * std::max(1.0, std::abs(b))) return i;
  }
  return -1;
}

// A fresh, empty folder under the system temp dir (left for inspection).
inline std::string tempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("ingot_frontend_" + name + "_" + std::to_string(std::random_device{}()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Op names of a graph's nodes, in order.
inline std::vector<std::string> opNames(const ir::Graph& g) {
  std::vector<std::string> out;
  for (const auto& n : g.nodes()) out.push_back(n->opName());
  return out;
}

}  // namespace ingot::frontend::testing
