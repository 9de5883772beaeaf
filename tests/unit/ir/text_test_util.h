// Helpers shared by the text IR tests (text_test.cpp, text_body_test.cpp):
// a small op table of their own (the tests do not depend on ir/ops/),
// parse/print round trips and structural graph equality.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ir/OpRegistry.h"
#include "ir/TextParser.h"
#include "ir/TextPrinter.h"
#include "ir/Verifier.h"
#include "test_op_builder.h"

namespace ingot::ir::texttest {

inline Expected<std::vector<TensorType>> sameAsFirst(const OpContext& c) {
  return std::vector<TensorType>{c.operandType(0)};
}

// Built once, immutable afterwards.
inline const OpRegistry& testOps() {
  static const OpRegistry ops = [] {
    OpRegistry r;
    r.add(ingot::ir::testing::makeTestOp("Neg", {{"X"}}, {{"scale", AttrKind::Float, Attribute(1.0f)}}, sameAsFirst));
    r.add(ingot::ir::testing::makeTestOp("Add", {{"A"}, {"B"}}, {}, [](const OpContext& c) -> Expected<std::vector<TensorType>> {
      if (c.operandType(0) != c.operandType(1))
        return c.error("operand types differ: {} vs {}", c.operandType(0).toString(),
                       c.operandType(1).toString());
      return std::vector<TensorType>{c.operandType(0)};
    }));
    r.add(ingot::ir::testing::makeTestOp("Gemm", {{"A"}, {"B"}, {"C", true}},
                 {{"alpha", AttrKind::Float, Attribute(1.0f)}, {"transB", AttrKind::Int, Attribute(0)}},
                 [](const OpContext& c) -> Expected<std::vector<TensorType>> {
                   const auto& a = c.operandType(0);
                   const auto& b = c.operandType(1);
                   if (a.shape.size() != 2 || b.shape.size() != 2) return c.error("rank 2 needed");
                   int64_t n = c.getInt("transB") ? b.shape[0] : b.shape[1];
                   return std::vector<TensorType>{{a.dtype, {a.shape[0], n}}};
                 }));
    r.add(ingot::ir::testing::makeTestOp("Split2", {{"X"}}, {}, [](const OpContext& c) -> Expected<std::vector<TensorType>> {
      TensorType shape{DType::I64, {static_cast<int64_t>(c.operandType(0).shape.size())}};
      return std::vector<TensorType>{c.operandType(0), shape};
    }, 2));
    r.add(ingot::ir::testing::makeTestOp("Constant", {}, {{"value", AttrKind::Tensor, std::nullopt}},
                 [](const OpContext& c) -> Expected<std::vector<TensorType>> {
                   const Tensor* t = c.getTensor("value");
                   return std::vector<TensorType>{{t->dtype(), t->shape()}};
                 }));
    r.add(ingot::ir::testing::makeTestOp("Kitchen", {{"X"}},
                 {{"i", AttrKind::Int, Attribute(0)},
                  {"f", AttrKind::Float, Attribute(0.f)},
                  {"s", AttrKind::String, Attribute("")},
                  {"is", AttrKind::Ints, Attribute(std::vector<int64_t>{})},
                  {"fs", AttrKind::Floats, Attribute(std::vector<float>{})},
                  {"ss", AttrKind::Strings, Attribute(std::vector<std::string>{})},
                  {"t", AttrKind::Tensor, Attribute(Tensor::scalar<float>(0))}},
                 sameAsFirst));
    r.add(ingot::ir::testing::makeTestOp("Concat", {{"inputs", false, true}}, {{"axis", AttrKind::Int, Attribute(0)}},
                 [](const OpContext& c) -> Expected<std::vector<TensorType>> {
                   TensorType t = c.operandType(0);
                   for (size_t i = 1; i < c.numOperands(); ++i) t.shape[0] += c.operandType(i).shape[0];
                   return std::vector<TensorType>{t};
                 }));
    r.add(ingot::ir::testing::makeTestOp("Sink", {{"X"}}, {}, [](const OpContext&) -> Expected<std::vector<TensorType>> {
      return std::vector<TensorType>{};
    }, 0));
    // Named like a statement keyword: the printer must quote it.
    r.add(ingot::ir::testing::makeTestOp("output", {{"X"}}, {}, sameAsFirst));
    r.add(ingot::ir::testing::makeTestOp("name", {{"X"}}, {}, [](const OpContext&) -> Expected<std::vector<TensorType>> {
      return std::vector<TensorType>{};
    }, 0));
    registerFusedOps(r);  // the one op with a body
    return r;
  }();
  return ops;
}

inline std::unique_ptr<Graph> parseOk(std::string_view text) {
  auto g = parseGraph(text, "t.txt", testOps());
  INFO(text);
  if (!g.ok()) FAIL(g.status().message());
  return std::move(g).value();
}

// print -> parse -> print is byte-identical; returns the printed text.
inline std::string checkRoundTrip(const Graph& g) {
  std::string once = printGraph(g);
  auto parsed = parseGraph(once, "printed", testOps());
  INFO(once);
  if (!parsed.ok()) FAIL(parsed.status().message());
  std::string twice = printGraph(**parsed);
  CHECK(once == twice);
  return once;
}

inline std::string names(const std::vector<Value*>& vs) {
  std::string out;
  for (const Value* v : vs) out += (v ? v->name() : std::string("<null>")) + "|";
  return out;
}

// Structural equality, including parameter bytes (NaN payloads and all) and
// bodies.
inline void checkSameGraph(const Graph& a, const Graph& b) {
  CHECK(a.name() == b.name());
  CHECK(a.docString == b.docString);
  CHECK(names(a.inputs()) == names(b.inputs()));
  CHECK(names(a.params()) == names(b.params()));
  CHECK(names(a.outputs()) == names(b.outputs()));
  for (size_t i = 0; i < a.inputs().size() && i < b.inputs().size(); ++i)
    CHECK(a.inputs()[i]->type() == b.inputs()[i]->type());
  for (size_t i = 0; i < a.params().size() && i < b.params().size(); ++i) {
    const Value* pa = a.params()[i];
    const Value* pb = b.params()[i];
    CHECK(pa->type() == pb->type());
    CHECK(pa->trainable() == pb->trainable());
    CHECK(pa->paramData()->identical(*pb->paramData()));
  }
  REQUIRE(a.nodes().size() == b.nodes().size());
  for (size_t i = 0; i < a.nodes().size(); ++i) {
    const Node& na = *a.nodes()[i];
    const Node& nb = *b.nodes()[i];
    CHECK(na.opName() == nb.opName());
    CHECK(na.name() == nb.name());
    CHECK(names(na.operands()) == names(nb.operands()));
    CHECK(names(na.results()) == names(nb.results()));
    for (size_t r = 0; r < na.results().size() && r < nb.results().size(); ++r)
      CHECK(na.results()[r]->type() == nb.results()[r]->type());
    REQUIRE((na.body() != nullptr) == (nb.body() != nullptr));
    if (na.body()) checkSameGraph(*na.body(), *nb.body());
    REQUIRE(na.attrs().size() == nb.attrs().size());
    for (auto ia = na.attrs().begin(), ib = nb.attrs().begin(); ia != na.attrs().end(); ++ia, ++ib) {
      CHECK(ia->first == ib->first);
      REQUIRE(ia->second.kind() == ib->second.kind());
      if (ia->second.kind() == AttrKind::Tensor) CHECK(ia->second.asTensor().identical(ib->second.asTensor()));
      else CHECK(printAttribute(ia->second) == printAttribute(ib->second));
    }
  }
}

// Parsing must never crash; whatever parses must round-trip.
inline void checkParsesOrFails(std::string_view text) {
  auto g = parseGraph(text, "fuzz", testOps());
  if (!g.ok()) {
    CHECK(g.status().kind() == ErrorKind::InvalidInput);
    if (g.status().message().rfind("fuzz:", 0) != 0) FAIL(g.status().message());
    return;
  }
  std::string once = printGraph(**g);
  auto again = parseGraph(once, "fuzz2", testOps());
  if (!again.ok()) FAIL(std::string(text) + "\n=> " + once + "\n=> " + again.status().message());
  if (printGraph(**again) != once) FAIL(once);
  (void)verifyGraph(**g);  // must not crash either
}

}  // namespace ingot::ir::texttest
