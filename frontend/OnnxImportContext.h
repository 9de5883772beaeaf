// Internal to frontend/: what an import rule (OnnxOpTable.cpp) sees of the
// import in progress, and the rule table's shape.
#pragma once

#include <array>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "frontend/OnnxProto.h"
#include "ir/Graph.h"
#include "ir/OpRegistry.h"

namespace ingot::frontend {

// State shared by every node's import.
struct ImportState {
  ir::Graph& graph;
  const ir::OpRegistry& registry;
  ExternalDataContext ext;
  int64_t foldElementLimit = 0;
  // ONNX value name -> IR value (inputs, initializers, node outputs so far).
  std::unordered_map<std::string, ir::Value*> values;
  // Every name the ONNX graph uses, so helper values never take one that a
  // later node defines.
  std::unordered_set<std::string> reservedNames;
  // ONNX names read by some node or graph output (to tell whether an
  // optional output such as Dropout's mask matters).
  std::unordered_set<std::string> usedNames;
  // Values of operand-less nodes evaluated on demand for folding (element
  // references stay valid as the map grows).
  std::unordered_map<const ir::Value*, Tensor> operandlessValues;
};

class ImportContext {
 public:
  ImportContext(ImportState& state, const onnx::NodeProto& node, int64_t opset, std::string label)
      : s_(state), node_(node), opset_(opset), label_(std::move(label)) {}

  const onnx::NodeProto& node() const { return node_; }
  const std::string& opType() const { return node_.op_type(); }
  int64_t opset() const { return opset_; }
  // "Softmax 'name'" or "Softmax #12" for messages.
  const std::string& label() const { return label_; }

  // Operands. Absent optional inputs (empty names) are null; inputs() drops
  // trailing absent ones so ops with optional operands see the right count.
  size_t numInputs() const { return static_cast<size_t>(node_.input_size()); }
  bool hasInput(size_t i) const;
  ir::Value* input(size_t i) const;
  std::vector<ir::Value*> inputs(size_t count = SIZE_MAX) const;

  // Data of a value that may be folded into its users: a Constant's result
  // or a non-trainable initializer. Null otherwise.
  const Tensor* foldableData(const ir::Value* v) const;
  // A shape-like input (Reshape's shape, axes, ...): must be constant (any
  // initializer counts, being only read); Unsupported naming the node if not.
  Expected<const Tensor*> constantInput(size_t i, std::string_view what) const;
  Expected<std::vector<int64_t>> intsInput(size_t i, std::string_view what) const;
  Expected<double> scalarInput(size_t i, std::string_view what) const;
  // scalarInput converted to int64 (truncated); an error when out of range.
  Expected<int64_t> intScalarInput(size_t i, std::string_view what) const;

  // Attributes.
  const onnx::AttributeProto* attr(std::string_view name) const;
  int64_t intAttr(std::string_view name, int64_t fallback) const;
  Expected<ir::Attribute> convertAttr(const onnx::AttributeProto& a) const;
  // Every ONNX attribute except `skip`, checked against the IR op's specs.
  Expected<ir::AttrMap> convertAttrs(const ir::OpDef& op,
                                     std::initializer_list<std::string_view> skip = {}) const;

  // Outputs.
  size_t numOutputs() const { return static_cast<size_t>(node_.output_size()); }
  std::string outputName(size_t i) const;  // "" when absent
  bool outputUsed(size_t i) const;

  // Building. `op` must be in the registry (the scan checked the rule's ops).
  Expected<const ir::OpDef*> findOp(std::string_view name) const;
  std::string freshName(std::string_view hint) const;
  // Adds a node (named after the ONNX node); when every operand is
  // foldable and the results are small, evaluates it and adds Constants of
  // the same names instead. Empty result names get fresh ones.
  Expected<std::vector<ir::Value*>> emit(std::string_view op, std::vector<ir::Value*> operands,
                                         ir::AttrMap attrs, std::vector<std::string> resultNames = {});
  Expected<ir::Value*> emit1(std::string_view op, std::vector<ir::Value*> operands, ir::AttrMap attrs,
                             std::string resultName = {});
  Expected<ir::Value*> emitConstant(Tensor t, std::string resultName = {});
  // The ONNX output names for an op's results (fresh where absent).
  std::vector<std::string> resultNames(size_t count) const;
  // Records the IR values of the ONNX outputs; a declared, non-empty output
  // beyond `values` is an Unsupported error.
  Status bindOutputs(const std::vector<ir::Value*>& values);

  template <typename... Args>
  Status unsupportedError(fmt::format_string<Args...> f, Args&&... args) const {
    return unsupported("{}: {}", label_, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  Status invalidError(fmt::format_string<Args...> f, Args&&... args) const {
    return invalidInput("{}: {}", label_, fmt::format(f, std::forward<Args>(args)...));
  }

 private:
  ImportState& s_;
  const onnx::NodeProto& node_;
  int64_t opset_;
  std::string label_;
};

using ImportFn = Status (*)(ImportContext&);

// One row of the op table: ONNX (domain, op_type) from opset `sinceVersion`
// on (until the next row of the same op) is imported by `fn`, which emits
// the IR ops in `irOps` (checked against the registry before import starts,
// so every missing op of a model is reported at once). A null `fn` marks
// versions ingot does not import.
struct ImportRule {
  std::string_view domain;  // "" = ai.onnx
  std::string_view opType;
  int sinceVersion;
  ImportFn fn;
  std::array<std::string_view, 4> irOps;
};

// The rule for an op at a model's opset: the row with the largest
// sinceVersion <= opset; for ai.onnx ops without rows, the default rule
// (same-name IR op, attributes copied) when the registry has the op.
// Writes the rule into `out` and returns false when there is none.
bool findImportRule(std::string_view domain, std::string_view opType, int64_t opset,
                    const ir::OpRegistry& registry, ImportRule& out);
// The default rule's function (also used by rows that only pin a version).
Status importDefault(ImportContext& c);

}  // namespace ingot::frontend
