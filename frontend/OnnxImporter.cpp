// The ONNX importer's driver: parse, check every op up front, bind symbolic
// input dims, add initializers, import nodes in topological order through
// the rule table, then drop what nothing uses.
#include "frontend/OnnxImporter.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <unordered_set>

#include "frontend/OnnxImportContext.h"
#include "frontend/OnnxProto.h"
#include "support/FileIO.h"
#include "ir/OpRegistry.h"

namespace ingot::frontend {

namespace {

std::string normalizeDomain(const std::string& d) { return d == "ai.onnx" ? std::string() : d; }

std::string nodeLabel(const onnx::NodeProto& n, int index) {
  return n.name().empty() ? fmt::format("{} #{}", n.op_type(), index)
                          : fmt::format("{} '{}'", n.op_type(), n.name());
}

// ONNX requires a node's attribute names to be unique. Handlers read the
// first of a name (ImportContext::attr) and convertAttrs keeps the last, so
// a repeated one could pass a handler's check and then mean something else
// in the IR (fuzz_onnx: num_outputs 2, then 2^32, allocated 32 GiB).
Status checkUniqueAttributeNames(const onnx::NodeProto& n, const std::string& label) {
  std::set<std::string_view> seen;
  for (const auto& a : n.attribute())
    if (!seen.insert(a.name()).second) return invalidInput("{}: attribute '{}' appears twice", label, a.name());
  return Status::ok();
}

// ---- declared inputs and symbolic dims --------------------------------------

struct DimDecl {
  std::optional<int64_t> value;  // static
  std::string symbol;            // dim_param; empty and no value: unknown
};

struct InputDecl {
  std::string name;
  DType dtype = DType::F32;
  bool hasShape = false;
  std::vector<DimDecl> dims;
};

// Graph inputs that are not initializers (old IR versions list initializers
// as inputs too; they are parameters).
Expected<std::vector<InputDecl>> declaredInputs(const onnx::GraphProto& g, const std::string& file) {
  std::unordered_set<std::string> inits;
  for (const auto& t : g.initializer()) inits.insert(t.name());
  std::vector<InputDecl> out;
  for (const auto& vi : g.input()) {
    if (inits.count(vi.name())) continue;
    if (!vi.has_type() || !vi.type().has_tensor_type())
      return unsupported("{}: input '{}' is not a tensor (sequences, maps and optionals are not supported)",
                         file, vi.name());
    const auto& tt = vi.type().tensor_type();
    auto dt = dtypeFromOnnx(tt.elem_type());
    if (!dt)
      return unsupported("{}: input '{}' has element type {}, which ingot does not support", file,
                         vi.name(), onnxTypeName(tt.elem_type()));
    InputDecl d{vi.name(), *dt, tt.has_shape(), {}};
    for (const auto& dim : tt.shape().dim()) {
      DimDecl dd;
      if (dim.has_dim_value() && dim.dim_value() >= 0) dd.value = dim.dim_value();
      else if (dim.has_dim_param()) dd.symbol = dim.dim_param();
      d.dims.push_back(std::move(dd));
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::string declString(const InputDecl& d) {
  if (!d.hasShape) return "(no shape)";
  std::vector<std::string> parts;
  for (const auto& dim : d.dims)
    parts.push_back(dim.value ? std::to_string(*dim.value) : dim.symbol.empty() ? "?" : dim.symbol);
  return fmt::format("[{}]", fmt::join(parts, ","));
}

std::string dimDescription(const DimDecl& d) {
  return d.symbol.empty() ? std::string("unnamed") : fmt::format("'{}'", d.symbol);
}

// Binds every input dim: explicit shapes first (they also bind the symbols
// they cover), then --batch for leading dims, then symbols bound elsewhere.
// All conflicts, then all unbound dims, are reported in one message each.
Expected<std::vector<Shape>> bindInputShapes(const std::vector<InputDecl>& decls,
                                             const ImportOptions& opts, const std::string& file,
                                             std::map<std::string, int64_t>& bound) {
  std::vector<std::string> errors;
  for (const auto& [name, shape] : opts.inputShapes) {
    bool known = std::any_of(decls.begin(), decls.end(), [&](const InputDecl& d) { return d.name == name; });
    if (!known) {
      std::vector<std::string> names;
      for (const auto& d : decls) names.push_back("'" + d.name + "'");
      errors.push_back(fmt::format("--shape names input '{}', but the model's inputs are {}", name,
                                   fmt::join(names, ", ")));
    }
    for (int64_t d : shape)
      if (d < 0) errors.push_back(fmt::format("--shape {}: negative dim {}", name, d));
  }
  if (opts.batch && *opts.batch < 0) errors.push_back(fmt::format("--batch {} is negative", *opts.batch));
  auto bindSymbol = [&](const std::string& sym, int64_t v, const std::string& source) {
    auto [it, inserted] = bound.emplace(sym, v);
    if (!inserted && it->second != v)
      errors.push_back(fmt::format("symbol '{}' is {} elsewhere but {} gives {}", sym, it->second, source, v));
  };

  std::vector<Shape> shapes(decls.size());
  std::vector<bool> explicitShape(decls.size(), false);
  for (size_t i = 0; i < decls.size(); ++i) {
    const InputDecl& d = decls[i];
    auto it = opts.inputShapes.find(d.name);
    if (it == opts.inputShapes.end()) continue;
    explicitShape[i] = true;
    const Shape& given = it->second;
    shapes[i] = given;
    if (!d.hasShape) continue;
    if (given.size() != d.dims.size()) {
      errors.push_back(fmt::format("input '{}' is declared {} (rank {}) but given {} (rank {})", d.name,
                                   declString(d), d.dims.size(), shapeToString(given), given.size()));
      continue;
    }
    for (size_t k = 0; k < given.size(); ++k) {
      if (d.dims[k].value && *d.dims[k].value != given[k])
        errors.push_back(fmt::format("input '{}' is declared {} but given {}: dim {} must be {}", d.name,
                                     declString(d), shapeToString(given), k, *d.dims[k].value));
      else if (!d.dims[k].symbol.empty())
        bindSymbol(d.dims[k].symbol, given[k], fmt::format("input '{}'", d.name));
    }
  }
  if (opts.batch)
    for (size_t i = 0; i < decls.size(); ++i)
      if (!explicitShape[i] && !decls[i].dims.empty() && !decls[i].dims[0].symbol.empty())
        bindSymbol(decls[i].dims[0].symbol, *opts.batch, "--batch");
  if (!errors.empty()) return invalidInput("{}: {}", file, fmt::join(errors, "; "));

  std::vector<std::string> unbound;
  for (size_t i = 0; i < decls.size(); ++i) {
    const InputDecl& d = decls[i];
    if (explicitShape[i]) continue;
    if (!d.hasShape) {
      unbound.push_back(fmt::format("input '{}' has no declared shape", d.name));
      continue;
    }
    for (size_t k = 0; k < d.dims.size(); ++k) {
      const DimDecl& dim = d.dims[k];
      std::optional<int64_t> v = dim.value;
      if (!v && !dim.symbol.empty() && bound.count(dim.symbol)) v = bound.at(dim.symbol);
      if (!v && k == 0 && opts.batch) v = *opts.batch;
      if (v) shapes[i].push_back(*v);
      else unbound.push_back(fmt::format("input '{}' dim {} ({}) is unbound", d.name, k, dimDescription(dim)));
    }
  }
  if (!unbound.empty())
    return invalidInput("{}: {}; pass --shape NAME=D0,D1,... or --batch N", file, fmt::join(unbound, "; "));
  return shapes;
}

// ---- op support check --------------------------------------------------------

// Every (domain, op, opset) of the graph without a rule, or whose rule needs
// an IR op the registry lacks, is reported in one Unsupported error.
Status checkOpSupport(const onnx::GraphProto& g, const std::map<std::string, int64_t>& opsets,
                      const ir::OpRegistry& registry, const std::string& file,
                      std::vector<ImportRule>& rules) {
  std::map<std::tuple<std::string, std::string, int64_t>, std::vector<std::string>> missing;
  std::map<std::string, std::set<std::string>> missingIrOps;  // op key -> IR ops
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    std::string domain = normalizeDomain(n.domain());
    auto os = opsets.find(domain);
    int64_t opset = os == opsets.end() ? 0 : os->second;
    ImportRule rule{};
    bool found = os != opsets.end() && findImportRule(domain, n.op_type(), opset, registry, rule) && rule.fn;
    std::string key = n.op_type();
    if (found)
      for (std::string_view irOp : rule.irOps)
        if (!irOp.empty() && !registry.find(irOp)) {
          found = false;
          missingIrOps[key].insert(std::string(irOp));
        }
    if (!found)
      missing[{domain.empty() ? "ai.onnx" : domain, n.op_type(), opset}].push_back(
          n.name().empty() ? fmt::format("#{}", i) : fmt::format("'{}'", n.name()));
    rules.push_back(rule);
  }
  if (missing.empty()) return Status::ok();
  std::vector<std::string> lines;
  for (const auto& [k, nodes] : missing) {
    const auto& [domain, op, opset] = k;
    std::string why;
    auto ir = missingIrOps.find(op);
    if (ir != missingIrOps.end()) why = fmt::format(" (needs IR op {})", fmt::join(ir->second, ", "));
    lines.push_back(fmt::format("  {} ({} opset {}){}: node{} {}", op, domain, opset, why,
                                nodes.size() > 1 ? "s" : "", fmt::join(nodes, ", ")));
  }
  return unsupported("{}: {} unsupported operator{}:\n{}", file, missing.size(),
                     missing.size() > 1 ? "s" : "", fmt::join(lines, "\n"));
}

// ---- node order ----------------------------------------------------------------

// ONNX requires topological order, but some tools write nodes out of it;
// Kahn's algorithm, stable so well-formed models keep their order.
Expected<std::vector<int>> topologicalOrder(const onnx::GraphProto& g,
                                            const std::unordered_set<std::string>& available,
                                            const std::string& file) {
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < g.node_size(); ++i)
    for (const auto& o : g.node(i).output())
      if (!o.empty()) {
        if (available.count(o) || !producer.emplace(o, i).second)
          return invalidInput("{}: value '{}' is defined more than once", file, o);
      }
  std::vector<int> pending(g.node_size(), 0);
  std::vector<std::vector<int>> users(g.node_size());
  for (int i = 0; i < g.node_size(); ++i)
    for (const auto& in : g.node(i).input()) {
      if (in.empty() || available.count(in)) continue;
      auto it = producer.find(in);
      if (it == producer.end())
        return invalidInput("{}: node {} reads '{}', which nothing defines", file,
                            nodeLabel(g.node(i), i), in);
      ++pending[i];
      users[it->second].push_back(i);
    }
  std::set<int> ready;
  for (int i = 0; i < g.node_size(); ++i)
    if (!pending[i]) ready.insert(i);
  std::vector<int> order;
  while (!ready.empty()) {
    int i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (int u : users[i])
      if (--pending[u] == 0) ready.insert(u);
  }
  if (order.size() != static_cast<size_t>(g.node_size()))
    return invalidInput("{}: the graph has a cycle", file);
  return order;
}

// ---- final cleanup ---------------------------------------------------------------

// A copy of `g` without dead nodes and without parameters nothing reads
// (initializers only read as shape-like inputs, folded subgraphs' inputs).
Expected<std::unique_ptr<ir::Graph>> compactGraph(ir::Graph& g) {
  g.removeDeadNodes();
  std::unordered_set<const ir::Value*> used(g.outputs().begin(), g.outputs().end());
  for (const auto& n : g.nodes())
    for (ir::Value* o : n->operands())
      if (o) used.insert(o);
  auto out = std::make_unique<ir::Graph>(g.name());
  out->docString = g.docString;
  std::unordered_map<const ir::Value*, ir::Value*> map;
  for (ir::Value* v : g.inputs()) {
    INGOT_ASSIGN_OR_RETURN(map[v], out->addInput(v->name(), v->type()));
  }
  for (ir::Value* p : g.params()) {
    if (!used.count(p)) continue;
    INGOT_ASSIGN_OR_RETURN(ir::Value * np, out->addParam(p->name(), *p->paramData()));
    np->setTrainable(p->trainable());
    map[p] = np;
  }
  for (const auto& n : g.nodes()) {
    std::vector<ir::Value*> ops;
    for (ir::Value* o : n->operands()) ops.push_back(o ? map.at(o) : nullptr);
    std::vector<std::pair<std::string, ir::TensorType>> results;
    for (ir::Value* r : n->results()) results.emplace_back(r->name(), r->type());
    INGOT_ASSIGN_OR_RETURN(ir::Node * nn, out->addNodeWithTypes(n->op(), ops, n->attrs(), results, n->name()));
    for (size_t i = 0; i < n->results().size(); ++i) map[n->result(i)] = nn->result(i);
  }
  for (ir::Value* o : g.outputs()) out->addOutput(map.at(o));
  return out;
}

Expected<ir::Value*> addConstantInput(ir::Graph& g, const ir::OpRegistry& registry, const std::string& name,
                                      const ir::TensorType& type, const Tensor& value) {
  if (value.dtype() != type.dtype)
    return invalidInput("constant input '{}' is {} but the model declares {}", name, dtypeName(value.dtype()),
                        dtypeName(type.dtype));
  const ir::OpDef* constOp = registry.find("Constant");
  if (!constOp) return internalError("the op registry has no Constant");
  INGOT_ASSIGN_OR_RETURN(ir::Node * n, g.addNodeWithTypes(*constOp, {}, {{"value", ir::Attribute(value)}},
                                                          {{name, type}}, name));
  return n->result();
}

Status importGraph(const onnx::ModelProto& model, const std::string& baseDir, const std::string& file,
                   const ImportOptions& opts, ImportedModel& result) {
  const onnx::GraphProto& g = model.graph();
  const ir::OpRegistry& registry = opts.registry ? *opts.registry : ir::OpRegistry::builtin();

  std::vector<ImportRule> rules;
  INGOT_RETURN_IF_ERROR(checkOpSupport(g, result.opsets, registry, file, rules));
  INGOT_ASSIGN_OR_RETURN(std::vector<InputDecl> decls, declaredInputs(g, file));
  // Constant inputs are bound like inputs of that shape.
  ImportOptions bindOpts;
  bindOpts.inputShapes = opts.inputShapes;
  bindOpts.batch = opts.batch;
  for (const auto& [name, t] : opts.constantInputs) bindOpts.inputShapes[name] = t.shape();
  INGOT_ASSIGN_OR_RETURN(std::vector<Shape> shapes, bindInputShapes(decls, bindOpts, file, result.boundDims));

  auto graph = std::make_unique<ir::Graph>(g.name().empty() ? std::string("main") : g.name());
  graph->docString = model.doc_string();
  ImportState state{*graph, registry, ExternalDataContext{baseDir}, opts.foldElementLimit, {}, {}, {}, {}};
  for (const auto& n : g.node()) {
    for (const auto& o : n.output()) state.reservedNames.insert(o);
    for (const auto& in : n.input()) state.usedNames.insert(in);
  }
  for (const auto& o : g.output()) state.usedNames.insert(o.name());

  std::unordered_set<std::string> available;
  for (size_t i = 0; i < decls.size(); ++i) {
    ir::TensorType type{decls[i].dtype, shapes[i]};
    auto c = opts.constantInputs.find(decls[i].name);
    Expected<ir::Value*> v = c == opts.constantInputs.end()
                                 ? graph->addInput(decls[i].name, type)
                                 : addConstantInput(*graph, registry, decls[i].name, type, c->second);
    if (!v.ok()) return v.status().withContext(file);
    state.values[decls[i].name] = *v;
    available.insert(decls[i].name);
  }
  for (const auto& init : g.initializer()) {
    if (available.count(init.name()))
      return invalidInput("{}: initializer '{}' is defined twice", file, init.name());
    auto t = tensorFromProto(init, state.ext, init.name());
    if (!t.ok()) return t.status().withContext(file);
    // Integer and bool initializers are indices, shapes and masks: nothing
    // to train, and treating them as constants lets shape arithmetic fold.
    bool trainable = isFloat(t->dtype());
    auto v = graph->addParam(init.name(), std::move(t).value());
    if (!v.ok()) return v.status().withContext(file);
    (*v)->setTrainable(trainable);
    state.values[init.name()] = *v;
    available.insert(init.name());
  }
  if (g.sparse_initializer_size())
    return unsupported("{}: sparse initializers are not supported", file);

  INGOT_ASSIGN_OR_RETURN(std::vector<int> order, topologicalOrder(g, available, file));
  for (int i : order) {
    const onnx::NodeProto& n = g.node(i);
    int64_t opset = result.opsets.at(normalizeDomain(n.domain()));
    const std::string label = nodeLabel(n, i);
    if (Status u = checkUniqueAttributeNames(n, label); !u.isOk()) return u.withContext(file);
    ImportContext ctx(state, n, opset, label);
    Status s = rules[i].fn(ctx);
    if (!s.isOk()) return s.withContext(file);
  }
  for (const auto& o : g.output()) {
    auto it = state.values.find(o.name());
    if (it == state.values.end()) return invalidInput("{}: graph output '{}' is never defined", file, o.name());
    graph->addOutput(it->second);
  }
  INGOT_ASSIGN_OR_RETURN(result.graph, compactGraph(*graph));
  return Status::ok();
}

Expected<onnx::ModelProto> parseModel(std::string_view bytes, const std::string& file) {
  onnx::ModelProto model;
  if (!parseMessage(model, bytes))
    return invalidInput("{}: not a valid ONNX model (truncated or corrupt protobuf)", file);
  if (!model.has_graph()) return invalidInput("{}: the model has no graph", file);
  return model;
}

}  // namespace

Expected<ImportedModel> importOnnxBytes(std::string_view bytes, const std::string& baseDir,
                                        const std::string& nameForErrors, const ImportOptions& opts) {
  try {
    INGOT_ASSIGN_OR_RETURN(onnx::ModelProto model, parseModel(bytes, nameForErrors));
    ImportedModel result;
    result.producer = model.producer_name();
    if (!model.producer_version().empty()) result.producer += " " + model.producer_version();
    result.irVersion = model.ir_version();
    for (const auto& os : model.opset_import()) {
      // Opset versions start at 1. Below that no import rule applies, and
      // nodes fell through to the IR op itself, past every version's checks
      // (fuzz_onnx: a Split with 65,536 results on a four-output node).
      if (os.version() < 1)
        return invalidInput("{}: opset_import of domain '{}' has version {}; versions start at 1", nameForErrors,
                            os.domain(), os.version());
      result.opsets[normalizeDomain(os.domain())] = os.version();
    }
    // IR version 1-2 models may omit the import; they meant opset 1.
    if (model.opset_import_size() == 0) result.opsets[""] = 1;
    INGOT_RETURN_IF_ERROR(importGraph(model, baseDir, nameForErrors, opts, result));
    return result;
  } catch (const std::exception& e) {
    return internalError("{}: unexpected exception while importing: {}", nameForErrors, e.what());
  }
}

Expected<ImportedModel> importOnnxFile(const std::string& path, const ImportOptions& opts) {
  INGOT_ASSIGN_OR_RETURN(std::string bytes, readFileBytes(path));
  std::string dir = std::filesystem::path(path).parent_path().string();
  return importOnnxBytes(bytes, dir.empty() ? std::string(".") : dir, path, opts);
}

Expected<std::vector<OnnxInputInfo>> describeOnnxInputs(const std::string& path) {
  INGOT_ASSIGN_OR_RETURN(std::string bytes, readFileBytes(path));
  INGOT_ASSIGN_OR_RETURN(onnx::ModelProto model, parseModel(bytes, path));
  INGOT_ASSIGN_OR_RETURN(std::vector<InputDecl> decls, declaredInputs(model.graph(), path));
  std::vector<OnnxInputInfo> out;
  for (const auto& d : decls) {
    OnnxInputInfo info{d.name, d.dtype, {}, d.hasShape};
    for (const auto& dim : d.dims) {
      if (dim.value) info.dims.emplace_back(*dim.value);
      else info.dims.emplace_back(dim.symbol);
    }
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace ingot::frontend
