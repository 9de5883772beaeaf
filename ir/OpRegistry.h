// The op registry: every op is defined once, here-shaped: its operands,
// attributes with defaults, type/shape rule, fusion class and reference
// kernel (and, from the training issue on, its gradient rule). Importers,
// the verifier, the text parser, the interpreter, passes and backends all
// read this one table; none of them switch over op names.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/Attribute.h"
#include "ir/Graph.h"
#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::ir {

// TVM's fusion classes, from most to least fusable.
enum class FusionClass {
  Elementwise,  // out[i] = f(in[i]) on same-shaped operands
  Broadcast,    // elementwise with numpy broadcasting
  Injective,    // each output element reads one input element (reshape, transpose, concat)
  Reduction,    // reduces axes (ReduceSum, Softmax's row reductions)
  Contraction,  // out-fusable: MatMul, Gemm, Conv (absorbs an elementwise epilogue)
  Opaque,       // not fused
};
std::string_view fusionClassName(FusionClass c);

// OpDef::numResults of ops whose result count varies per node.
inline constexpr int kVariadicResults = -1;

struct OperandSpec {
  std::string name;
  bool optional = false;  // may be absent (nullptr); only trailing operands
  bool variadic = false;  // last operand only: one or more values (Concat)
};

struct AttrSpec {
  std::string name;
  AttrKind kind;
  std::optional<Attribute> defaultValue;  // nullopt: required
};

// What a type rule and a kernel see of a node: the op, its attributes with
// defaults applied, its operand types, and a label for messages.
class OpContext {
 public:
  OpContext(const OpDef& op, const AttrMap& attrs, std::vector<const TensorType*> operandTypes,
            std::string label)
      : op_(op), attrs_(attrs), operandTypes_(std::move(operandTypes)), label_(std::move(label)) {}

  const OpDef& op() const { return op_; }
  const std::string& label() const { return label_; }
  size_t numOperands() const { return operandTypes_.size(); }
  bool hasOperand(size_t i) const { return i < operandTypes_.size() && operandTypes_[i]; }
  // Only for present operands (check hasOperand for optional ones).
  const TensorType& operandType(size_t i) const { return *operandTypes_[i]; }

  const Attribute* attr(std::string_view name) const;  // set value or default
  int64_t getInt(std::string_view name) const;
  float getFloat(std::string_view name) const;
  std::string getString(std::string_view name) const;
  std::vector<int64_t> getInts(std::string_view name) const;
  std::vector<float> getFloats(std::string_view name) const;
  const Tensor* getTensor(std::string_view name) const;
  bool hasAttr(std::string_view name) const { return attrs_.count(name) != 0; }

  // An InvalidInput status prefixed with the node label.
  template <typename... Args>
  Status error(fmt::format_string<Args...> f, Args&&... args) const {
    return invalidInput("{}: {}", label_, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  Status unsupportedError(fmt::format_string<Args...> f, Args&&... args) const {
    return unsupported("{}: {}", label_, fmt::format(f, std::forward<Args>(args)...));
  }

 private:
  const OpDef& op_;
  const AttrMap& attrs_;
  std::vector<const TensorType*> operandTypes_;
  std::string label_;
};

// Result types from operand types and attributes. Also validates them
// (dtypes, ranks, attribute ranges) with messages naming the node.
using TypeRule = std::function<Expected<std::vector<TensorType>>(const OpContext&)>;

// The reference kernel: plain loops, obviously correct; the oracle for every
// backend. `inputs` parallels the operands (null where absent); result types
// are the ones the type rule produced.
using ReferenceKernel = std::function<Expected<std::vector<Tensor>>(
    const OpContext&, std::span<const Tensor* const> inputs, std::span<const TensorType> resultTypes)>;

// Gradient rule (vector-Jacobian product), defined in ir/Gradient.h: builds
// IR for the gradients of a node's operands from the gradients of its
// results. Rules live beside the op families in ir/grads/ and attach to the
// op's one OpDef (OpRegistry::builtin() wires them).
class GradientContext;
using GradientRule = std::function<Status(GradientContext&)>;

// Lowering rule, defined in ir/kernel/Lowering.h: the op's loop-level form
// (a scalar expression per result element for elementwise, broadcast and
// injective ops; the reduction or contraction it performs). Ops without one
// lower to an opaque dispatch that only backends with a library kernel run.
class LoweringContext;
using LoweringRule = std::function<Status(LoweringContext&)>;

struct OpDef {
  std::string name;  // ONNX spelling where ONNX has the op ("MatMul")
  std::string summary;
  std::vector<OperandSpec> operands;
  // Results every node of the op has; kVariadicResults: the count depends on
  // the node (its attributes), and the type rule gives it (Split).
  int numResults = 1;
  std::vector<AttrSpec> attrs;
  FusionClass fusion = FusionClass::Opaque;
  TypeRule inferTypes;
  ReferenceKernel reference;
  GradientRule gradient;  // empty: not differentiable
  LoweringRule lowering;  // empty: opaque dispatch
  // The node carries a body Graph (Node::body(), e.g. Fused): its result
  // types come from the body's outputs, not from the type rule, and the
  // verifier, interpreter, printer and parser handle the body.
  bool hasBody = false;

  const AttrSpec* findAttr(std::string_view n) const;
  int minOperands() const;  // operands that are not optional
  bool isVariadic() const { return !operands.empty() && operands.back().variadic; }
};

class OpRegistry {
 public:
  // Every op ingot defines. Built once on first use and immutable after.
  static const OpRegistry& builtin();

  const OpDef* find(std::string_view name) const;
  std::vector<const OpDef*> all() const;  // sorted by name

  // Used while building a registry (tests may build their own).
  void add(OpDef def);
  // The op to attach a rule to while building; null if not registered.
  OpDef* findMutable(std::string_view name);

 private:
  std::map<std::string, std::unique_ptr<OpDef>, std::less<>> ops_;
};

// Type rule for a node in a graph (used by Graph::addNode and the verifier).
Expected<std::vector<TensorType>> inferNodeTypes(const OpDef& op, const AttrMap& attrs,
                                                 const std::vector<Value*>& operands,
                                                 const std::string& label);

// Registration functions, one per op family file in ir/ops/.
void registerElementwiseOps(OpRegistry& r);
void registerActivationOps(OpRegistry& r);
void registerContractionOps(OpRegistry& r);
void registerShapeOps(OpRegistry& r);
void registerReductionOps(OpRegistry& r);
void registerMiscOps(OpRegistry& r);
void registerIndexingOps(OpRegistry& r);
void registerPadOps(OpRegistry& r);
void registerNormalizationOps(OpRegistry& r);
void registerLossOps(OpRegistry& r);
void registerOptimizerOps(OpRegistry& r);
void registerFusedOps(OpRegistry& r);
// Attach gradient rules (ir/grads/) and lowering rules (ir/kernel/) to the
// ops above.
void registerGradientRules(OpRegistry& r);
void registerLoweringRules(OpRegistry& r);

}  // namespace ingot::ir
