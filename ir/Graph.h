// The graph IR: SSA dataflow over tensor values with static shapes.
//
// A Graph owns its Values and Nodes. Nodes are kept in topological order
// (every operand is defined before its user). A Value is one of:
//   - a graph input (fed at run time),
//   - a parameter (an ONNX initializer: named, persistent, with initial data;
//     trainable by default, the state that training updates),
//   - a node result.
// Absent optional operands are nullptr.
//
// A node of an op with OpDef::hasBody (Fused) carries a body: a Graph of its
// own whose inputs are the node's operands and whose outputs are the node's
// results, 1:1 and in order, with the same types; the body has no
// parameters (outer parameters come in as operands). Value names inside a
// body are scoped to the body. See Graph::addFusedNode.
//
// State updates (training): a graph may list updates "param := newValue",
// applied after a run, all at once (every newValue is read before any
// parameter is written). They make the graph's effect on its persistent
// state explicit, so the weights and optimizer moments of a training step
// are updated by the same compiled program that computes the gradients.
// An update's source is live like a graph output; an updated parameter is
// never a compile-time constant, even when frozen (not trainable).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ir/Attribute.h"
#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::ir {

struct OpDef;
class Node;
class Graph;

struct TensorType {
  DType dtype = DType::F32;
  Shape shape;
  bool operator==(const TensorType& o) const { return dtype == o.dtype && shape == o.shape; }
  bool operator!=(const TensorType& o) const { return !(*this == o); }
  std::string toString() const;  // "f32[2,3]"
};

enum class ValueKind { Input, Param, Result };

class Value {
 public:
  const std::string& name() const { return name_; }
  const TensorType& type() const { return type_; }
  DType dtype() const { return type_.dtype; }
  const Shape& shape() const { return type_.shape; }
  ValueKind kind() const { return kind_; }
  Node* producer() const { return producer_; }  // null unless kind() == Result
  int resultIndex() const { return resultIndex_; }
  // Initial data of a parameter; null for other kinds.
  const Tensor* paramData() const { return param_.get(); }
  bool trainable() const { return trainable_; }
  // A parameter with a state update in its graph (Graph::addStateUpdate).
  bool updated() const { return updated_; }

  void setType(TensorType t) { type_ = std::move(t); }
  void setTrainable(bool t) { trainable_ = t; }
  void setParamData(Tensor t) { param_ = std::make_shared<const Tensor>(std::move(t)); }

 private:
  friend class Graph;
  std::string name_;
  TensorType type_;
  ValueKind kind_ = ValueKind::Result;
  Node* producer_ = nullptr;
  int resultIndex_ = 0;
  std::shared_ptr<const Tensor> param_;
  bool trainable_ = true;
  bool updated_ = false;
};

class Node {
 public:
  Node();
  ~Node();  // out of line: Graph is incomplete here
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const OpDef& op() const { return *op_; }
  const std::string& opName() const;
  // Optional node name (from ONNX); messages use label().
  const std::string& name() const { return name_; }
  std::string label() const;  // "Relu 'relu_1' (-> %y)"

  const std::vector<Value*>& operands() const { return operands_; }
  Value* operand(size_t i) const { return i < operands_.size() ? operands_[i] : nullptr; }
  bool hasOperand(size_t i) const { return operand(i) != nullptr; }
  const std::vector<Value*>& results() const { return results_; }
  Value* result(size_t i = 0) const { return results_[i]; }

  // The body of a node whose op has one (OpDef::hasBody); null otherwise.
  const Graph* body() const { return body_.get(); }
  // For passes that retype or rewrite a body in place (infer-types).
  Graph* mutableBody() { return body_.get(); }

  const AttrMap& attrs() const { return attrs_; }
  // The attribute if set, else the op's default, else null.
  const Attribute* attr(std::string_view name) const;
  // Typed getters with the op's default; the verifier guarantees kinds.
  int64_t getInt(std::string_view name, int64_t fallback = 0) const;
  float getFloat(std::string_view name, float fallback = 0.f) const;
  std::string getString(std::string_view name, std::string fallback = {}) const;
  std::vector<int64_t> getInts(std::string_view name, std::vector<int64_t> fallback = {}) const;
  std::vector<float> getFloats(std::string_view name, std::vector<float> fallback = {}) const;

  void setAttr(std::string name, Attribute a) { attrs_[std::move(name)] = std::move(a); }
  void setOperand(size_t i, Value* v) { operands_.at(i) = v; }
  void setName(std::string n) { name_ = std::move(n); }

 private:
  friend class Graph;
  const OpDef* op_ = nullptr;
  std::string name_;
  std::vector<Value*> operands_;
  std::vector<Value*> results_;
  AttrMap attrs_;
  std::unique_ptr<Graph> body_;
};

// After a run, `param` := the value `newValue` had in that run.
struct StateUpdate {
  Value* param = nullptr;
  Value* newValue = nullptr;
};

class Graph {
 public:
  Graph() = default;
  explicit Graph(std::string name) : name_(std::move(name)) {}
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;

  // A deep copy (values, nodes and their bodies; parameter data shared
  // copy-on-write).
  std::unique_ptr<Graph> clone() const;

  const std::string& name() const { return name_; }
  void setName(std::string n) { name_ = std::move(n); }

  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& params() const { return params_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }

  // Value names are unique in a graph; these fail with a message if taken.
  Expected<Value*> addInput(std::string name, TensorType type);
  Expected<Value*> addParam(std::string name, Tensor data);
  // Appends a node and creates its results with the op's type rule applied
  // to the operands; result names are taken from resultNames (empty entries
  // or a short list get fresh names). Fails if the op rejects the operands.
  Expected<Node*> addNode(const OpDef& op, std::vector<Value*> operands, AttrMap attrs,
                          std::vector<std::string> resultNames = {}, std::string nodeName = {});
  // Appends a node whose result types are given (the text parser, passes
  // that know the types); the verifier checks them against the type rule.
  Expected<Node*> addNodeWithTypes(const OpDef& op, std::vector<Value*> operands, AttrMap attrs,
                                   std::vector<std::pair<std::string, TensorType>> results,
                                   std::string nodeName = {});
  // Appends a Fused node (OpRegistry::builtin()'s "Fused", attribute `kind`
  // in attrs) that runs `body`. Checks the contract: body inputs match the
  // operands 1:1 in order and type, the body has no parameters and at least
  // one output; result types are the body's output types, result names come
  // from resultNames like addNode. The body itself is checked by the verifier.
  Expected<Node*> addFusedNode(std::vector<Value*> operands, std::unique_ptr<Graph> body, AttrMap attrs,
                               std::vector<std::string> resultNames = {}, std::string nodeName = {});
  // Appends a node of an op with a body (op.hasBody) with its result types
  // as given (the text parser); like addNodeWithTypes, the contract is left
  // to the verifier.
  Expected<Node*> addNodeWithBody(const OpDef& op, std::vector<Value*> operands, std::unique_ptr<Graph> body,
                                  AttrMap attrs, std::vector<std::pair<std::string, TensorType>> results,
                                  std::string nodeName = {});
  void addOutput(Value* v) { outputs_.push_back(v); }
  void setOutputs(std::vector<Value*> outs) { outputs_ = std::move(outs); }
  void setInputs(std::vector<Value*> ins) { inputs_ = std::move(ins); }

  // State updates, in the order they were added. addStateUpdate fails
  // (InvalidInput) unless `param` is a parameter of this graph without an
  // update yet and `newValue` is a value of this graph of the same type.
  const std::vector<StateUpdate>& stateUpdates() const { return updates_; }
  Status addStateUpdate(Value* param, Value* newValue);
  // The update of `param`, or null.
  const StateUpdate* findStateUpdate(const Value* param) const;
  // Whether `v` is the new value of some update (live like an output).
  bool isUpdateSource(const Value* v) const;

  Value* findValue(std::string_view name) const;
  // A name not used yet, derived from `hint`.
  std::string freshName(std::string_view hint) const;

  // Replaces every use of `from` (operands, graph outputs and the sources of
  // state updates) with `to`; an update's parameter is its target, not a use.
  void replaceAllUses(Value* from, Value* to);
  // Removes nodes none of whose results is used (by a node, an output or a
  // state update), repeatedly; parameters and inputs are kept.
  void removeDeadNodes();
  // Removes the given nodes (their results must be unused).
  void eraseNodes(const std::vector<Node*>& dead);
  // Users of each value, computed on demand (passes keep their own maps).
  std::unordered_map<const Value*, std::vector<Node*>> computeUsers() const;
  // Removes parameters that no node, output or update uses and that have
  // no update (updated state is kept); returns how many.
  size_t removeUnusedParams();
  // Moves `node` to just before `before` in the node order (passes that
  // append a replacement node put it where the node it replaces was, which
  // keeps the order topological). No-op when either is not in this graph.
  void moveNodeBefore(const Node* node, const Node* before);
  // Renames a value; fails if the name is empty or taken by another value.
  Status renameValue(Value* v, std::string newName);

  // ONNX metadata kept for export (producer, opset the model came from).
  std::string docString;

 private:
  Value* newValue(std::string name, TensorType type, ValueKind kind);
  // Result names from resultNames, fresh ones for empty or missing entries.
  std::vector<std::pair<std::string, TensorType>> nameResults(std::vector<TensorType> types,
                                                              const std::vector<std::string>& resultNames,
                                                              const std::string& nodeName) const;

  std::string name_ = "main";
  std::vector<std::unique_ptr<Value>> values_;
  std::unordered_map<std::string, Value*> byName_;
  std::vector<Value*> inputs_, params_, outputs_;
  std::vector<StateUpdate> updates_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

}  // namespace ingot::ir
