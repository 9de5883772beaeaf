#include "ir/Graph.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "ir/OpRegistry.h"
#include "ir/ShapeUtil.h"
#include "ir/TextPrinter.h"

namespace ingot::ir {

std::string TensorType::toString() const {
  return fmt::format("{}{}", dtypeName(dtype), shapeToString(shape));
}

Node::Node() = default;
Node::~Node() = default;

const std::string& Node::opName() const { return op_->name; }

std::string Node::label() const {
  std::string out = op_->name;
  if (!name_.empty()) out += fmt::format(" '{}'", name_);
  if (!results_.empty()) out += fmt::format(" (-> {})", printValueRef(*results_[0]));
  return out;
}

const Attribute* Node::attr(std::string_view n) const {
  auto it = attrs_.find(n);
  if (it != attrs_.end()) return &it->second;
  const AttrSpec* spec = op_->findAttr(n);
  if (spec && spec->defaultValue) return &*spec->defaultValue;
  return nullptr;
}

int64_t Node::getInt(std::string_view n, int64_t fallback) const {
  const Attribute* a = attr(n);
  return a && a->kind() == AttrKind::Int ? a->asInt() : fallback;
}
float Node::getFloat(std::string_view n, float fallback) const {
  const Attribute* a = attr(n);
  return a && a->kind() == AttrKind::Float ? a->asFloat() : fallback;
}
std::string Node::getString(std::string_view n, std::string fallback) const {
  const Attribute* a = attr(n);
  return a && a->kind() == AttrKind::String ? a->asString() : fallback;
}
std::vector<int64_t> Node::getInts(std::string_view n, std::vector<int64_t> fallback) const {
  const Attribute* a = attr(n);
  return a && a->kind() == AttrKind::Ints ? a->asInts() : fallback;
}
std::vector<float> Node::getFloats(std::string_view n, std::vector<float> fallback) const {
  const Attribute* a = attr(n);
  return a && a->kind() == AttrKind::Floats ? a->asFloats() : fallback;
}

Value* Graph::newValue(std::string name, TensorType type, ValueKind kind) {
  auto v = std::make_unique<Value>();
  v->name_ = std::move(name);
  v->type_ = std::move(type);
  v->kind_ = kind;
  Value* raw = v.get();
  byName_[raw->name_] = raw;
  values_.push_back(std::move(v));
  return raw;
}

Value* Graph::findValue(std::string_view name) const {
  auto it = byName_.find(std::string(name));
  return it == byName_.end() ? nullptr : it->second;
}

std::string Graph::freshName(std::string_view hint) const {
  std::string base = hint.empty() ? std::string("v") : std::string(hint);
  if (!findValue(base)) return base;
  for (size_t i = 1;; ++i) {
    std::string candidate = fmt::format("{}_{}", base, i);
    if (!findValue(candidate)) return candidate;
  }
}

Expected<Value*> Graph::addInput(std::string name, TensorType type) {
  if (name.empty()) return invalidInput("graph input with an empty name");
  if (findValue(name)) return invalidInput("value name '{}' is defined twice", name);
  if (Status s = checkShapeBounds(type.shape); !s.isOk()) return s.withContext("graph input '" + name + "'");
  Value* v = newValue(std::move(name), std::move(type), ValueKind::Input);
  inputs_.push_back(v);
  return v;
}

Expected<Value*> Graph::addParam(std::string name, Tensor data) {
  if (name.empty()) return invalidInput("parameter with an empty name");
  if (findValue(name)) return invalidInput("value name '{}' is defined twice", name);
  if (Status s = checkShapeBounds(data.shape()); !s.isOk()) return s.withContext("parameter '" + name + "'");
  Value* v = newValue(std::move(name), TensorType{data.dtype(), data.shape()}, ValueKind::Param);
  v->param_ = std::make_shared<const Tensor>(std::move(data));
  params_.push_back(v);
  return v;
}

std::vector<std::pair<std::string, TensorType>> Graph::nameResults(
    std::vector<TensorType> types, const std::vector<std::string>& resultNames,
    const std::string& nodeName) const {
  std::vector<std::pair<std::string, TensorType>> results;
  // Names this node's results take: the given ones, and each chosen one.
  // In sets, and suffixes continuing per base: a Split into 65,536 parts
  // compared every new name with every earlier one and tried suffixes from
  // 1 each time (minutes; found by fuzz_onnx).
  std::unordered_set<std::string> taken;
  for (const std::string& given : resultNames)
    if (!given.empty()) taken.insert(given);
  std::unordered_map<std::string, size_t> nextSuffix;  // 0: the base itself
  for (size_t i = 0; i < types.size(); ++i) {
    std::string n = i < resultNames.size() ? resultNames[i] : std::string();
    if (n.empty()) {
      // Fresh, and distinct from this node's earlier results (not yet in
      // the graph): multi-result nodes (Split, LayerNormalization).
      const std::string base = freshName(nodeName.empty() ? std::string("t") : nodeName);
      size_t& k = nextSuffix[base];
      auto candidate = [&] { return k == 0 ? base : fmt::format("{}_{}", base, k); };
      for (n = candidate(); findValue(n) || taken.count(n); n = candidate()) ++k;
      ++k;
    }
    taken.insert(n);
    results.emplace_back(std::move(n), std::move(types[i]));
  }
  return results;
}

Expected<Node*> Graph::addNode(const OpDef& op, std::vector<Value*> operands, AttrMap attrs,
                               std::vector<std::string> resultNames, std::string nodeName) {
  std::string label = op.name + (nodeName.empty() ? "" : " '" + nodeName + "'");
  // Its result types come from a body, which this function does not take.
  if (op.hasBody) return invalidInput("{}: the op needs a body (Graph::addFusedNode)", label);
  INGOT_ASSIGN_OR_RETURN(std::vector<TensorType> types,
                         inferNodeTypes(op, attrs, operands, label));
  auto results = nameResults(std::move(types), resultNames, nodeName);
  return addNodeWithTypes(op, std::move(operands), std::move(attrs), std::move(results),
                          std::move(nodeName));
}

Expected<Node*> Graph::addFusedNode(std::vector<Value*> operands, std::unique_ptr<Graph> body,
                                    AttrMap attrs, std::vector<std::string> resultNames,
                                    std::string nodeName) {
  const OpDef* op = OpRegistry::builtin().find("Fused");
  if (!op || !op->hasBody) return internalError("the op registry has no Fused op with a body");
  std::string label = op->name + (nodeName.empty() ? "" : " '" + nodeName + "'");
  if (!body) return invalidInput("{}: no body", label);
  if (!body->params().empty())
    return invalidInput("{}: the body has parameter '{}'; outer values must come in as operands", label,
                        body->params()[0]->name());
  if (body->inputs().size() != operands.size())
    return invalidInput("{}: the body has {} inputs for {} operands", label, body->inputs().size(),
                        operands.size());
  for (size_t i = 0; i < operands.size(); ++i) {
    if (!operands[i]) return invalidInput("{}: operand {} is absent", label, i);
    if (operands[i]->type() != body->inputs()[i]->type())
      return invalidInput("{}: operand {} ('{}') is {}, body input {} ('{}') is {}", label, i,
                          operands[i]->name(), operands[i]->type().toString(), i,
                          body->inputs()[i]->name(), body->inputs()[i]->type().toString());
  }
  if (body->outputs().empty()) return invalidInput("{}: the body has no outputs", label);
  std::vector<TensorType> types;
  for (const Value* o : body->outputs()) {
    if (!o) return invalidInput("{}: a body output is null", label);
    types.push_back(o->type());
  }
  auto results = nameResults(std::move(types), resultNames, nodeName);
  return addNodeWithBody(*op, std::move(operands), std::move(body), std::move(attrs), std::move(results),
                         std::move(nodeName));
}

Expected<Node*> Graph::addNodeWithBody(const OpDef& op, std::vector<Value*> operands,
                                       std::unique_ptr<Graph> body, AttrMap attrs,
                                       std::vector<std::pair<std::string, TensorType>> results,
                                       std::string nodeName) {
  if (!op.hasBody) return invalidInput("{}: the op takes no body", op.name);
  if (!body) return invalidInput("{}: no body", op.name);
  INGOT_ASSIGN_OR_RETURN(Node * n, addNodeWithTypes(op, std::move(operands), std::move(attrs),
                                                     std::move(results), std::move(nodeName)));
  n->body_ = std::move(body);
  return n;
}

Expected<Node*> Graph::addNodeWithTypes(const OpDef& op, std::vector<Value*> operands,
                                        AttrMap attrs,
                                        std::vector<std::pair<std::string, TensorType>> results,
                                        std::string nodeName) {
  for (auto& [n, t] : results) {
    if (n.empty()) return invalidInput("{}: a result has an empty name", op.name);
    if (findValue(n)) return invalidInput("{}: value name '{}' is defined twice", op.name, n);
    if (Status s = checkShapeBounds(t.shape); !s.isOk()) return s.withContext(op.name + " result '" + n + "'");
  }
  auto node = std::make_unique<Node>();
  node->op_ = &op;
  node->name_ = std::move(nodeName);
  node->operands_ = std::move(operands);
  node->attrs_ = std::move(attrs);
  for (size_t i = 0; i < results.size(); ++i) {
    Value* v = newValue(std::move(results[i].first), std::move(results[i].second), ValueKind::Result);
    v->producer_ = node.get();
    v->resultIndex_ = static_cast<int>(i);
    node->results_.push_back(v);
  }
  nodes_.push_back(std::move(node));
  return nodes_.back().get();
}

void Graph::replaceAllUses(Value* from, Value* to) {
  for (auto& n : nodes_)
    for (auto& o : n->operands_)
      if (o == from) o = to;
  for (auto& o : outputs_)
    if (o == from) o = to;
  for (auto& u : updates_)
    if (u.newValue == from) u.newValue = to;
}

Status Graph::addStateUpdate(Value* param, Value* newValue) {
  if (!param || !newValue) return invalidInput("state update with a null parameter or value");
  if (findValue(param->name_) != param || param->kind_ != ValueKind::Param)
    return invalidInput("state update of '{}': not a parameter of this graph", param->name_);
  if (findValue(newValue->name_) != newValue)
    return invalidInput("state update of '{}': '{}' is not a value of this graph", param->name_, newValue->name_);
  if (param->type_ != newValue->type_)
    return invalidInput("state update of '{}' ({}) with '{}' of another type ({})", param->name_,
                        param->type_.toString(), newValue->name_, newValue->type_.toString());
  if (param->updated_) return invalidInput("parameter '{}' is updated twice", param->name_);
  param->updated_ = true;
  updates_.push_back(StateUpdate{param, newValue});
  return Status::ok();
}

const StateUpdate* Graph::findStateUpdate(const Value* param) const {
  for (const StateUpdate& u : updates_)
    if (u.param == param) return &u;
  return nullptr;
}

bool Graph::isUpdateSource(const Value* v) const {
  return std::any_of(updates_.begin(), updates_.end(), [&](const StateUpdate& u) { return u.newValue == v; });
}

std::unordered_map<const Value*, std::vector<Node*>> Graph::computeUsers() const {
  std::unordered_map<const Value*, std::vector<Node*>> users;
  for (const auto& n : nodes_)
    for (Value* o : n->operands_)
      if (o) users[o].push_back(n.get());
  return users;
}

void Graph::eraseNodes(const std::vector<Node*>& dead) {
  std::unordered_set<const Node*> deadSet(dead.begin(), dead.end());
  std::unordered_set<const Value*> deadValues;
  for (const Node* n : dead)
    for (const Value* r : n->results_) deadValues.insert(r);
  nodes_.erase(std::remove_if(nodes_.begin(), nodes_.end(),
                              [&](const std::unique_ptr<Node>& n) { return deadSet.count(n.get()); }),
               nodes_.end());
  for (auto it = byName_.begin(); it != byName_.end();)
    it = deadValues.count(it->second) ? byName_.erase(it) : std::next(it);
  values_.erase(std::remove_if(values_.begin(), values_.end(),
                               [&](const std::unique_ptr<Value>& v) { return deadValues.count(v.get()); }),
                values_.end());
}

void Graph::removeDeadNodes() {
  std::unordered_set<const Value*> live(outputs_.begin(), outputs_.end());
  for (const StateUpdate& u : updates_) live.insert(u.newValue);
  std::vector<Node*> dead;
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    Node* n = it->get();
    bool used = std::any_of(n->results_.begin(), n->results_.end(),
                            [&](const Value* r) { return live.count(r); });
    if (!used) {
      dead.push_back(n);
      continue;
    }
    for (Value* o : n->operands_)
      if (o) live.insert(o);
  }
  if (!dead.empty()) eraseNodes(dead);
}

size_t Graph::removeUnusedParams() {
  std::unordered_set<const Value*> used(outputs_.begin(), outputs_.end());
  for (const auto& n : nodes_)
    for (const Value* o : n->operands_) used.insert(o);
  for (const StateUpdate& u : updates_) used.insert(u.newValue);
  std::unordered_set<const Value*> dead;
  for (const Value* p : params_)
    if (!used.count(p) && !p->updated_) dead.insert(p);
  if (dead.empty()) return 0;
  params_.erase(std::remove_if(params_.begin(), params_.end(), [&](Value* p) { return dead.count(p); }),
                params_.end());
  for (auto it = byName_.begin(); it != byName_.end();)
    it = dead.count(it->second) ? byName_.erase(it) : std::next(it);
  values_.erase(std::remove_if(values_.begin(), values_.end(),
                               [&](const std::unique_ptr<Value>& v) { return dead.count(v.get()); }),
                values_.end());
  return dead.size();
}

void Graph::moveNodeBefore(const Node* node, const Node* before) {
  auto find = [&](const Node* n) {
    return std::find_if(nodes_.begin(), nodes_.end(), [&](const std::unique_ptr<Node>& p) { return p.get() == n; });
  };
  auto from = find(node);
  if (from == nodes_.end() || find(before) == nodes_.end() || node == before) return;
  std::unique_ptr<Node> moving = std::move(*from);
  nodes_.erase(from);
  nodes_.insert(find(before), std::move(moving));
}

Status Graph::renameValue(Value* v, std::string newName) {
  if (newName.empty()) return invalidInput("cannot rename '{}' to an empty name", v->name_);
  if (newName == v->name_) return Status::ok();
  if (findValue(newName)) return invalidInput("cannot rename '{}' to '{}': the name is taken", v->name_, newName);
  byName_.erase(v->name_);
  v->name_ = std::move(newName);
  byName_[v->name_] = v;
  return Status::ok();
}

std::unique_ptr<Graph> Graph::clone() const {
  auto g = std::make_unique<Graph>(name_);
  g->docString = docString;
  std::unordered_map<const Value*, Value*> map;
  for (const auto& v : values_) {
    if (v->kind_ == ValueKind::Result) continue;
    Value* nv = g->newValue(v->name_, v->type_, v->kind_);
    nv->param_ = v->param_;
    nv->trainable_ = v->trainable_;
    nv->updated_ = v->updated_;
    map[v.get()] = nv;
  }
  for (Value* v : inputs_) g->inputs_.push_back(map.at(v));
  for (Value* v : params_) g->params_.push_back(map.at(v));
  for (const auto& n : nodes_) {
    auto nn = std::make_unique<Node>();
    nn->op_ = n->op_;
    nn->name_ = n->name_;
    nn->attrs_ = n->attrs_;
    if (n->body_) nn->body_ = n->body_->clone();
    for (Value* o : n->operands_) nn->operands_.push_back(o ? map.at(o) : nullptr);
    for (Value* r : n->results_) {
      Value* nr = g->newValue(r->name_, r->type_, ValueKind::Result);
      nr->producer_ = nn.get();
      nr->resultIndex_ = r->resultIndex_;
      nn->results_.push_back(nr);
      map[r] = nr;
    }
    g->nodes_.push_back(std::move(nn));
  }
  for (Value* v : outputs_) g->outputs_.push_back(map.at(v));
  for (const StateUpdate& u : updates_) g->updates_.push_back(StateUpdate{map.at(u.param), map.at(u.newValue)});
  return g;
}

}  // namespace ingot::ir
