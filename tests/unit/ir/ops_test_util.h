// Helpers for the op tests: run one op on tensors through a one-node graph
// (type rule via Graph::addNode, kernel via ir::evaluateNode), and compare
// results with expected values.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/Interpreter.h"
#include "ir/OpRegistry.h"

namespace ingot::ir::testing {

inline const OpDef& opNamed(std::string_view name) {
  const OpDef* op = OpRegistry::builtin().find(name);
  if (!op) FAIL("op " << std::string(name) << " is not registered");
  return *op;
}

// The op's type rule on operand types (nullopt: an absent optional operand).
inline Expected<std::vector<TensorType>> inferOp(std::string_view name, std::vector<std::optional<TensorType>> operands,
                                                 AttrMap attrs = {}) {
  Graph g;
  std::vector<Value*> values;
  for (size_t i = 0; i < operands.size(); ++i) {
    if (!operands[i]) {
      values.push_back(nullptr);
      continue;
    }
    auto v = g.addInput("in" + std::to_string(i), *operands[i]);
    REQUIRE(v.ok());
    values.push_back(*v);
  }
  return inferNodeTypes(opNamed(name), attrs, values, std::string(name));
}

// Runs the op on the given tensors (nullopt: absent optional operand).
inline Expected<std::vector<Tensor>> runOp(std::string_view name, std::vector<std::optional<Tensor>> operands,
                                           AttrMap attrs = {}) {
  Graph g;
  std::vector<Value*> values;
  std::vector<const Tensor*> inputs;
  for (size_t i = 0; i < operands.size(); ++i) {
    if (!operands[i]) {
      values.push_back(nullptr);
      inputs.push_back(nullptr);
      continue;
    }
    auto v = g.addInput("in" + std::to_string(i), TensorType{operands[i]->dtype(), operands[i]->shape()});
    REQUIRE(v.ok());
    values.push_back(*v);
    inputs.push_back(&*operands[i]);
  }
  auto node = g.addNode(opNamed(name), values, std::move(attrs));
  if (!node.ok()) return node.status();
  return evaluateNode(**node, inputs);
}

// The first result of runOp; the test fails if the op fails.
inline Tensor run1(std::string_view name, std::vector<std::optional<Tensor>> operands, AttrMap attrs = {}) {
  auto out = runOp(name, std::move(operands), std::move(attrs));
  INFO(name << ": " << out.status().message());
  REQUIRE(out.ok());
  REQUIRE(!out->empty());
  return std::move(out->front());
}

template <class T>
Tensor tensorOf(Shape shape, std::vector<T> values) {
  REQUIRE(static_cast<int64_t>(values.size()) == numElements(shape));
  // (Tensor::fromVector memcpy's from values.data(), which is null when empty.)
  if (values.empty()) return Tensor(DTypeOf<T>::value, std::move(shape));
  return Tensor::fromVector<T>(std::move(shape), values);
}
inline Tensor f32(Shape s, std::vector<float> v) { return tensorOf<float>(std::move(s), std::move(v)); }
inline Tensor f64(Shape s, std::vector<double> v) { return tensorOf<double>(std::move(s), std::move(v)); }
inline Tensor i32(Shape s, std::vector<int32_t> v) { return tensorOf<int32_t>(std::move(s), std::move(v)); }
inline Tensor i64(Shape s, std::vector<int64_t> v) { return tensorOf<int64_t>(std::move(s), std::move(v)); }
inline Tensor boolean(Shape s, std::vector<bool> v) { return tensorOf<bool>(std::move(s), std::move(v)); }
// 0, 1, 2, ... as the given dtype.
inline Tensor iota(DType dtype, Shape shape) {
  Tensor t(dtype, shape);
  visitDType(dtype, [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < t.numElements(); ++i) t.data<T>()[i] = static_cast<T>(i);
  });
  return t;
}

// dtype, shape and values; floats within relTol (relative) or absTol, NaN
// matches NaN, everything else exact.
inline void checkTensor(const Tensor& actual, DType dtype, const Shape& shape, const std::vector<double>& expected,
                        double relTol = 1e-6, double absTol = 1e-7) {
  CHECK(dtypeName(actual.dtype()) == dtypeName(dtype));
  CHECK(shapeToString(actual.shape()) == shapeToString(shape));
  REQUIRE(actual.numElements() == static_cast<int64_t>(expected.size()));
  const bool exact = !isFloat(dtype);
  for (size_t i = 0; i < expected.size(); ++i) {
    const double got = actual.elementAsDouble(static_cast<int64_t>(i)), want = expected[i];
    const bool same = (std::isnan(got) && std::isnan(want)) || got == want ||
                      (!exact && std::fabs(got - want) <= absTol + relTol * std::fabs(want));
    if (!same) FAIL_CHECK("element " << i << ": got " << got << ", expected " << want);
  }
}

// An error of the given kind whose message contains every fragment.
template <class T>
void checkError(const Expected<T>& result, ErrorKind kind, std::vector<std::string> fragments) {
  REQUIRE_FALSE(result.ok());
  INFO("message: " << result.status().message());
  CHECK(result.status().kind() == kind);
  for (const std::string& f : fragments) CHECK(result.status().message().find(f) != std::string::npos);
}

}  // namespace ingot::ir::testing
