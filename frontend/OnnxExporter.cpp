// Graph IR -> ONNX ModelProto at opset 17, through a per-op export table.
#include "frontend/OnnxExporter.h"

#include <onnx/defs/schema.h>

#include <cmath>
#include <fstream>
#include <map>
#include <numbers>
#include <set>
#include <unordered_set>

#include "frontend/OnnxProto.h"
#include "support/FileIO.h"
#include "ir/OpRegistry.h"

namespace ingot::frontend {

namespace {

using ir::AttrKind;
using ir::Attribute;

// What an export rule sees: the IR node and a way to append ONNX nodes.
class ExportContext {
 public:
  ExportContext(onnx::GraphProto& g, std::unordered_set<std::string>& names,
                std::unordered_set<std::string>& nodeNames, const ir::Node& n)
      : g_(g), names_(names), nodeNames_(nodeNames), node_(n) {}

  const ir::Node& node() const { return node_; }
  std::string in(size_t i) const { return node_.operand(i) ? node_.operand(i)->name() : std::string(); }
  // Operand names; absent optional operands are "" (trailing ones dropped).
  std::vector<std::string> ins() const {
    std::vector<std::string> out;
    for (size_t i = 0; i < node_.operands().size(); ++i) out.push_back(in(i));
    while (!out.empty() && out.back().empty()) out.pop_back();
    return out;
  }
  std::vector<std::string> outs() const {
    std::vector<std::string> out;
    for (const ir::Value* r : node_.results()) out.push_back(r->name());
    return out;
  }

  std::string fresh(const std::string& hint) {
    std::string n = hint;
    for (size_t i = 1; names_.count(n); ++i) n = fmt::format("{}_{}", hint, i);
    names_.insert(n);
    return n;
  }

  onnx::NodeProto* add(std::string_view opType, const std::vector<std::string>& inputs,
                       const std::vector<std::string>& outputs) {
    onnx::NodeProto* n = g_.add_node();
    n->set_op_type(std::string(opType));
    // ONNX Runtime rejects repeated node names. The node that computes the
    // IR node's result keeps its name; helpers (constants, expansions) get
    // a derived one that says where they came from.
    if (!node_.name().empty()) {
      bool primary = !node_.results().empty() &&
                     std::find(outputs.begin(), outputs.end(), node_.result()->name()) != outputs.end();
      std::string base = primary ? node_.name() : node_.name() + "_" + std::string(opType);
      std::string name = base;
      for (size_t i = 1; nodeNames_.count(name); ++i) name = fmt::format("{}_{}", base, i);
      nodeNames_.insert(name);
      n->set_name(name);
    }
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return n;
  }

  // The node's IR attributes in ONNX form, except `skip`.
  void copyAttrs(onnx::NodeProto* n, std::initializer_list<std::string_view> skip = {}) const {
    for (const auto& [name, a] : node_.attrs())
      if (std::find(skip.begin(), skip.end(), name) == skip.end()) setAttr(n, name, a);
  }

  static void setAttr(onnx::NodeProto* n, const std::string& name, const Attribute& a) {
    onnx::AttributeProto* p = n->add_attribute();
    p->set_name(name);
    switch (a.kind()) {
      case AttrKind::Int: p->set_type(onnx::AttributeProto::INT); p->set_i(a.asInt()); break;
      case AttrKind::Float: p->set_type(onnx::AttributeProto::FLOAT); p->set_f(a.asFloat()); break;
      case AttrKind::String: p->set_type(onnx::AttributeProto::STRING); p->set_s(a.asString()); break;
      case AttrKind::Ints:
        p->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : a.asInts()) p->add_ints(v);
        break;
      case AttrKind::Floats:
        p->set_type(onnx::AttributeProto::FLOATS);
        for (float v : a.asFloats()) p->add_floats(v);
        break;
      case AttrKind::Strings:
        p->set_type(onnx::AttributeProto::STRINGS);
        for (const auto& v : a.asStrings()) p->add_strings(v);
        break;
      case AttrKind::Tensor:
        p->set_type(onnx::AttributeProto::TENSOR);
        tensorToProto(a.asTensor(), {}, p->mutable_t());
        break;
    }
  }

  // A Constant node holding `t`; returns its output name.
  std::string constant(const Tensor& t, const std::string& hint) {
    std::string out = fresh(hint);
    onnx::NodeProto* n = add("Constant", {}, {out});
    setAttr(n, "value", Attribute(t));
    return out;
  }
  std::string intsConstant(const std::vector<int64_t>& v, const std::string& hint) {
    return constant(vectorTensor(v), hint);
  }
  // A scalar of `dtype` (a float dtype ingot computes with).
  Expected<std::string> scalarConstant(DType dtype, double v, const std::string& hint) {
    Tensor t(dtype, {});
    if (!isFloat(dtype) || !visitDType(dtype, [&](auto tag) {
          using T = decltype(tag);
          t.data<T>()[0] = static_cast<T>(v);
        }))
      return unsupported("{}: cannot export for dtype {}", node_.label(), dtypeName(dtype));
    return constant(t, hint);
  }

 private:
  onnx::GraphProto& g_;
  std::unordered_set<std::string>& names_;      // value names
  std::unordered_set<std::string>& nodeNames_;  // node names (a separate namespace)
  const ir::Node& node_;
};

using ExportFn = Status (*)(ExportContext&);

Status exportDefault(ExportContext& c) {
  c.copyAttrs(c.add(c.node().opName(), c.ins(), c.outs()));
  return Status::ok();
}

// A shape-like IR attribute that opset 17 takes as an input.
struct ShapeInput {
  std::string_view attr;
  // Optional inputs are left out when the attribute is unset or empty (an
  // empty list means "all axes" / "none given", as an absent input does).
  bool optional;
};

// Appends the attributes as constant inputs after the operands, in order.
Status exportAttrsAsInputs(ExportContext& c, std::initializer_list<ShapeInput> shapeInputs) {
  std::vector<std::string> inputs = c.ins();
  std::vector<std::string_view> names;
  for (const ShapeInput& si : shapeInputs) {
    names.push_back(si.attr);
    const ir::Attribute* a = c.node().attr(si.attr);
    bool present = a && a->kind() == AttrKind::Ints && !(si.optional && a->asInts().empty());
    if (!present && !si.optional)
      return invalidInput("{}: attribute '{}' is missing", c.node().label(), si.attr);
    inputs.push_back(present ? c.intsConstant(a->asInts(), c.node().result()->name() + "_" + std::string(si.attr))
                             : std::string());
  }
  while (!inputs.empty() && inputs.back().empty()) inputs.pop_back();
  onnx::NodeProto* n = c.add(c.node().opName(), inputs, c.outs());
  for (const auto& [name, a] : c.node().attrs())
    if (std::find(names.begin(), names.end(), name) == names.end()) ExportContext::setAttr(n, name, a);
  return Status::ok();
}

Status exportReshape(ExportContext& c) { return exportAttrsAsInputs(c, {{"shape", false}}); }
Status exportExpand(ExportContext& c) { return exportAttrsAsInputs(c, {{"shape", false}}); }
Status exportTile(ExportContext& c) { return exportAttrsAsInputs(c, {{"repeats", false}}); }
Status exportUnsqueeze(ExportContext& c) { return exportAttrsAsInputs(c, {{"axes", false}}); }
Status exportOptionalAxes(ExportContext& c) { return exportAttrsAsInputs(c, {{"axes", true}}); }
Status exportSlice(ExportContext& c) {
  return exportAttrsAsInputs(c, {{"starts", false}, {"ends", false}, {"axes", true}, {"steps", true}});
}
// num_outputs is opset 18; at 17 the output count says it.
Status exportSplit(ExportContext& c) {
  std::vector<std::string> inputs = c.ins();
  std::vector<int64_t> split = c.node().getInts("split");
  if (!split.empty()) inputs.push_back(c.intsConstant(split, c.node().result()->name() + "_split"));
  c.copyAttrs(c.add("Split", inputs, c.outs()), {"split", "num_outputs"});
  return Status::ok();
}

Status exportConstantOfShape(ExportContext& c) {
  std::string shape = c.intsConstant(c.node().getInts("shape"), c.node().result()->name() + "_shape");
  c.copyAttrs(c.add("ConstantOfShape", {shape}, c.outs()), {"shape"});
  return Status::ok();
}

// Reductions other than ReduceSum keep `axes` as an attribute until opset
// 18, and have no noop_with_empty_axes: a no-op reduction is an Identity.
Status exportReduceAttrAxes(ExportContext& c) {
  if (c.node().getInt("noop_with_empty_axes", 0) && c.node().getInts("axes").empty()) {
    c.add("Identity", c.ins(), c.outs());
    return Status::ok();
  }
  // Empty axes (reduce all) is the attribute's absence.
  onnx::NodeProto* n = c.add(c.node().opName(), c.ins(), c.outs());
  if (c.node().getInts("axes").empty()) c.copyAttrs(n, {"noop_with_empty_axes", "axes"});
  else c.copyAttrs(n, {"noop_with_empty_axes"});
  return Status::ok();
}

Status exportCast(ExportContext& c) {
  auto dt = parseDType(c.node().getString("to"));
  if (!dt) return invalidInput("{}: unknown dtype '{}'", c.node().label(), c.node().getString("to"));
  onnx::NodeProto* n = c.add("Cast", c.ins(), c.outs());
  // `saturate` is opset 19 and only matters for float8 targets.
  c.copyAttrs(n, {"to", "saturate"});
  ExportContext::setAttr(n, "to", Attribute(int64_t{dtypeToOnnx(*dt)}));
  return Status::ok();
}

Status exportCastLike(ExportContext& c) {
  c.copyAttrs(c.add("CastLike", c.ins(), c.outs()), {"saturate"});
  return Status::ok();
}


// Range's bounds are tensor attributes in the IR, scalar inputs in ONNX.
Status exportRange(ExportContext& c) {
  std::vector<std::string> inputs;
  for (const char* n : {"start", "limit", "delta"}) {
    const Attribute* a = c.node().attr(n);
    if (!a || a->kind() != AttrKind::Tensor) return invalidInput("{}: attribute '{}' is missing", c.node().label(), n);
    inputs.push_back(c.constant(a->asTensor(), c.node().result()->name() + "_" + n));
  }
  c.add("Range", inputs, c.outs());
  return Status::ok();
}

// Gelu is ONNX opset 20; written out as 0.5*x*(1+erf(x/sqrt(2))), or for
// approximate="tanh" as 0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x^3))).
Status exportGelu(ExportContext& c) {
  const std::string x = c.in(0);
  const std::string y = c.outs()[0];
  DType dt = c.node().operand(0)->dtype();
  auto k = [&](double v, const char* hint) { return c.scalarConstant(dt, v, y + "_" + hint); };
  auto op = [&](const char* type, std::vector<std::string> ins, const char* hint) {
    std::string out = c.fresh(y + "_" + hint);
    c.add(type, ins, {out});
    return out;
  };
  INGOT_ASSIGN_OR_RETURN(std::string half, k(0.5, "half"));
  INGOT_ASSIGN_OR_RETURN(std::string one, k(1.0, "one"));
  std::string inner;
  if (c.node().getString("approximate", "none") == "tanh") {
    INGOT_ASSIGN_OR_RETURN(std::string c1, k(0.044715, "c"));
    INGOT_ASSIGN_OR_RETURN(std::string c2, k(std::sqrt(2.0 / std::numbers::pi), "sqrt_2_over_pi"));
    std::string x3 = op("Mul", {op("Mul", {x, x}, "x2"), x}, "x3");
    std::string s = op("Add", {x, op("Mul", {x3, c1}, "cx3")}, "sum");
    inner = op("Tanh", {op("Mul", {s, c2}, "scaled")}, "tanh");
  } else {
    INGOT_ASSIGN_OR_RETURN(std::string r2, k(std::sqrt(2.0), "sqrt2"));
    inner = op("Erf", {op("Div", {x, r2}, "scaled")}, "erf");
  }
  std::string xh = op("Mul", {x, half}, "xhalf");
  c.add("Mul", {xh, op("Add", {inner, one}, "onep")}, {y});
  return Status::ok();
}

struct ExportRule {
  std::string_view irOp;
  ExportFn fn;
};

// IR ops whose ONNX opset-17 form differs from "same name, same operands,
// same attributes".
const ExportRule kExportRules[] = {
    {"Reshape", exportReshape},
    {"Expand", exportExpand},
    {"ConstantOfShape", exportConstantOfShape},
    {"Squeeze", exportOptionalAxes},
    {"Unsqueeze", exportUnsqueeze},
    {"ReduceSum", exportOptionalAxes},
    {"ReduceMean", exportReduceAttrAxes},
    {"ReduceMax", exportReduceAttrAxes},
    {"ReduceMin", exportReduceAttrAxes},
    {"ReduceProd", exportReduceAttrAxes},
    {"ReduceL1", exportReduceAttrAxes},
    {"ReduceL2", exportReduceAttrAxes},
    {"ReduceLogSum", exportReduceAttrAxes},
    {"ReduceLogSumExp", exportReduceAttrAxes},
    {"ReduceSumSquare", exportReduceAttrAxes},
    {"Slice", exportSlice},
    {"Split", exportSplit},
    {"Cast", exportCast},
    {"CastLike", exportCastLike},
    {"Tile", exportTile},
    {"Range", exportRange},
    {"Gelu", exportGelu},
};

ExportFn findExportRule(std::string_view op) {
  for (const auto& r : kExportRules)
    if (r.irOp == op) return r.fn;
  return exportDefault;
}

void setValueInfo(onnx::ValueInfoProto* vi, const std::string& name, const ir::TensorType& t) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(dtypeToOnnx(t.dtype));
  auto* shape = tt->mutable_shape();
  for (int64_t d : t.shape) shape->add_dim()->set_dim_value(d);
}

// Every emitted node must exist at opset 17 with the attributes given;
// otherwise the IR op (or one of its attributes) has no ONNX form here.
Status checkAgainstSchemas(const onnx::GraphProto& g, const std::map<std::string, std::string>& irOpOf) {
  std::map<std::string, std::set<std::string>> problems;  // IR op -> reasons
  for (const auto& n : g.node()) {
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(n.op_type(), static_cast<int>(kExportOpset), "");
    auto it = irOpOf.find(n.output_size() ? n.output(0) : std::string());
    std::string irOp = it == irOpOf.end() ? n.op_type() : it->second;
    if (!schema || schema->Deprecated()) {
      problems[irOp].insert(fmt::format("ONNX has no {} at opset {}", n.op_type(), kExportOpset));
      continue;
    }
    for (const auto& a : n.attribute())
      if (!schema->attributes().count(a.name()))
        problems[irOp].insert(fmt::format("{}-{} has no attribute '{}'", n.op_type(), schema->since_version(), a.name()));
  }
  if (problems.empty()) return Status::ok();
  std::vector<std::string> lines;
  for (const auto& [op, why] : problems) lines.push_back(fmt::format("  {}: {}", op, fmt::join(why, "; ")));
  return unsupported("cannot export to ONNX opset {}:\n{}", kExportOpset, fmt::join(lines, "\n"));
}

Expected<onnx::ModelProto> buildModel(const ir::Graph& g) {
  // A fused group (a node with a body) has no ONNX form; its ops do.
  for (const auto& n : g.nodes())
    if (n->body())
      return unsupported("{}: a fused group cannot be exported to ONNX; inline fused groups first "
                         "(passes::unfuseGraph, or `ingot opt --passes unfuse`)", n->label());
  // State updates (a training step's optimizer writes) have no ONNX form:
  // dropping them would export a graph that silently does not train.
  if (!g.stateUpdates().empty())
    return unsupported("graph '{}' updates {} parameters in place (a training step); export the inference "
                       "model instead", g.name(), g.stateUpdates().size());
  onnx::ModelProto model;
  model.set_ir_version(8);  // the IR version that goes with opset 17
  model.set_producer_name("ingot");
  model.set_producer_version("0.1.0");
  auto* os = model.add_opset_import();
  os->set_domain("");
  os->set_version(kExportOpset);
  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name(g.name());
  if (!g.docString.empty()) graph->set_doc_string(g.docString);

  std::unordered_set<std::string> names;
  for (const ir::Value* v : g.inputs()) names.insert(v->name());
  for (const ir::Value* v : g.params()) names.insert(v->name());
  for (const auto& n : g.nodes())
    for (const ir::Value* r : n->results()) names.insert(r->name());

  for (const ir::Value* v : g.inputs()) setValueInfo(graph->add_input(), v->name(), v->type());
  for (const ir::Value* p : g.params()) tensorToProto(*p->paramData(), p->name(), graph->add_initializer());

  std::unordered_set<std::string> nodeNames;
  std::map<std::string, std::string> irOpOf;  // ONNX output name -> IR op, for messages
  for (const auto& n : g.nodes()) {
    int first = graph->node_size();
    ExportContext ctx(*graph, names, nodeNames, *n);
    INGOT_RETURN_IF_ERROR(findExportRule(n->opName())(ctx));
    for (int i = first; i < graph->node_size(); ++i)
      for (const auto& o : graph->node(i).output()) irOpOf[o] = n->opName();
    for (const ir::Value* r : n->results()) setValueInfo(graph->add_value_info(), r->name(), r->type());
  }
  INGOT_RETURN_IF_ERROR(checkAgainstSchemas(*graph, irOpOf));

  // ONNX outputs are names; a value listed twice gets an Identity copy so
  // every output name is distinct.
  std::unordered_set<std::string> seen;
  for (const ir::Value* v : g.outputs()) {
    std::string name = v->name();
    if (!seen.insert(name).second) {
      std::string copy = name + "_copy";
      for (size_t i = 1; names.count(copy); ++i) copy = fmt::format("{}_copy{}", name, i);
      names.insert(copy);
      onnx::NodeProto* n = graph->add_node();
      n->set_op_type("Identity");
      n->add_input(name);
      n->add_output(copy);
      name = copy;
    }
    setValueInfo(graph->add_output(), name, v->type());
  }
  // value_info must not repeat graph outputs.
  auto* vis = graph->mutable_value_info();
  for (int i = vis->size() - 1; i >= 0; --i)
    if (seen.count(vis->Get(i).name())) vis->DeleteSubrange(i, 1);
  return model;
}

}  // namespace

Expected<std::string> exportOnnxBytes(const ir::Graph& g) {
  try {
    INGOT_ASSIGN_OR_RETURN(onnx::ModelProto model, buildModel(g));
    std::string bytes;
    // protobuf refuses messages over 2 GiB; ONNX's answer is external data,
    // which the exporter does not write yet.
    if (model.ByteSizeLong() > static_cast<size_t>(INT32_MAX))
      return unsupported("the model is over 2 GiB; external data export is not supported");
    if (!model.SerializeToString(&bytes)) return internalError("protobuf could not serialize the model");
    return bytes;
  } catch (const std::exception& e) {
    return internalError("unexpected exception while exporting: {}", e.what());
  }
}

Status exportOnnxFile(const ir::Graph& g, const std::string& path) {
  INGOT_ASSIGN_OR_RETURN(std::string bytes, exportOnnxBytes(g));
  return writeFileBytes(path, bytes);
}

}  // namespace ingot::frontend
