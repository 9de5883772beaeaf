#include "ir/DotPrinter.h"

#include <unordered_map>

#include "ir/OpRegistry.h"
#include "ir/TextPrinter.h"

namespace ingot::ir {

namespace {

// Text inside a DOT "..." string: quotes and backslashes escaped, so value
// names like %"a\"b" cannot end the label early.
std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// Lines of a label joined with DOT's centred line break.
std::string joinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += "\\n";
    out += escape(lines[i]);
  }
  return out;
}

std::string valueLine(const Value* v) {
  if (!v) return "_";
  return printValueRef(*v) + " : " + v->type().toString();
}

class DotWriter {
 public:
  std::string run(const Graph& g) {
    out_ += "digraph \"" + escape(g.name()) + "\" {\n";
    out_ += "  rankdir=TB;\n";
    out_ += "  node [fontname=\"monospace\", fontsize=10];\n";
    out_ += "  edge [fontname=\"monospace\", fontsize=9];\n";
    for (const Value* v : g.inputs()) leafValue(v, "in", "shape=ellipse");
    for (const Value* v : g.params()) leafValue(v, "p", "shape=ellipse, style=dashed");
    writeNodes(g, "  ");
    for (size_t i = 0; i < g.outputs().size(); ++i) {
      const Value* v = g.outputs()[i];
      std::string id = fmt::format("out{}", i);
      out_ += fmt::format("  {} [shape=ellipse, style=bold, label=\"{}\"];\n", id,
                          escape("output " + (v ? printValueRef(*v) : std::string("_"))));
      edge(v, id);
    }
    out_ += edges_;
    out_ += "}\n";
    return std::move(out_);
  }

 private:
  void leafValue(const Value* v, const char* prefix, const char* style) {
    if (!v) return;
    std::string id = fmt::format("{}{}", prefix, counter_++);
    out_ += fmt::format("  {} [{}, label=\"{}\"];\n", id, style, escape(valueLine(v)));
    source_[v] = id;
  }

  // Edges are written at the top level after all nodes: an edge inside a
  // cluster would pull its outer endpoint into the cluster.
  void edge(const Value* v, const std::string& to) {
    auto it = v ? source_.find(v) : source_.end();
    if (it == source_.end()) return;
    edges_ += fmt::format("  {} -> {};\n", it->second, to);
  }

  void writeNodes(const Graph& g, const std::string& indent) {
    for (const auto& n : g.nodes()) {
      if (n->body()) writeCluster(*n, *n->body(), indent);
      else writeNode(*n, indent);
    }
  }

  void writeNode(const Node& n, const std::string& indent) {
    std::string id = fmt::format("n{}", counter_++);
    std::vector<std::string> lines{n.opName()};
    if (!n.name().empty()) lines.push_back("'" + n.name() + "'");
    for (const Value* r : n.results()) lines.push_back(valueLine(r));
    out_ += fmt::format("{}{} [shape=box, label=\"{}\"];\n", indent, id, joinLines(lines));
    for (const Value* o : n.operands()) edge(o, id);
    for (const Value* r : n.results())
      if (r) source_[r] = id;
  }

  // A body's inputs are the node's operands and its outputs the node's
  // results, so edges go straight from outer producers to the body's nodes
  // and from the body's nodes to outer users.
  void writeCluster(const Node& n, const Graph& body, const std::string& indent) {
    const int cluster = clusters_++;
    std::vector<std::string> lines;
    const Attribute* kind = n.attr("kind");
    lines.push_back(n.opName() + (kind && kind->kind() == AttrKind::String ? " (" + kind->asString() + ")" : ""));
    if (!n.name().empty()) lines.push_back("'" + n.name() + "'");
    for (const Value* r : n.results()) lines.push_back("-> " + valueLine(r));
    out_ += fmt::format("{}subgraph cluster_{} {{\n", indent, cluster);
    const std::string inner = indent + "  ";
    out_ += fmt::format("{}label=\"{}\";\n{}style=\"rounded,filled\";\n{}fillcolor=\"#eef3ff\";\n", inner,
                        joinLines(lines), inner, inner);
    for (size_t i = 0; i < body.inputs().size() && i < n.operands().size(); ++i) {
      auto it = n.operands()[i] ? source_.find(n.operands()[i]) : source_.end();
      if (it != source_.end() && body.inputs()[i]) source_[body.inputs()[i]] = it->second;
    }
    writeNodes(body, inner);
    out_ += indent + "}\n";
    for (size_t i = 0; i < body.outputs().size() && i < n.results().size(); ++i) {
      auto it = body.outputs()[i] ? source_.find(body.outputs()[i]) : source_.end();
      if (it != source_.end() && n.results()[i]) source_[n.results()[i]] = it->second;
    }
  }

  std::string out_;
  std::string edges_;
  int counter_ = 0;
  int clusters_ = 0;
  // The DOT node that computes each value (a box, or an input/param
  // ellipse); body values map to the nodes outside that feed them.
  std::unordered_map<const Value*, std::string> source_;
};

}  // namespace

std::string printDot(const Graph& g) { return DotWriter().run(g); }

}  // namespace ingot::ir
