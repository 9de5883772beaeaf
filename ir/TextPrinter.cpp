#include "ir/TextPrinter.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "ir/OpRegistry.h"
#include "ir/TextLexer.h"

namespace ingot::ir {

// Hex literals are defined as little-endian bytes; on such a host that is
// the tensor's memory as is.
static_assert(std::endian::native == std::endian::little,
              "the text IR's hex literals assume a little-endian host");

namespace {

using text::appendQuoted;

// Tensors up to this many elements are printed as element lists.
constexpr int64_t kMaxListElements = 16;

void appendName(std::string& out, std::string_view name) {
  if (text::isBareName(name)) out += name;
  else appendQuoted(out, name);
}

// Words the parser reads at the start of a statement or after a node's
// operands; an op spelled like one is quoted so a node without results that
// uses it cannot be misread.
bool isKeyword(std::string_view s) {
  return s == "input" || s == "param" || s == "output" || s == "doc" || s == "name" || s == "update";
}

void appendIdentOrQuoted(std::string& out, std::string_view s) {
  if (text::isIdentifier(s) && !isKeyword(s)) out += s;
  else appendQuoted(out, s);
}

template <typename T>
void appendNumber(std::string& out, T v) {
  if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(v)) {
        out += "nan";
        return;
      }
      if (std::isinf(v)) {
        out += v < 0 ? "-inf" : "inf";
        return;
      }
    }
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);
    out.append(buf, r.ptr);
  }
}

template <typename T>
bool isDefaultNaN(T v) {
  const T canonical = std::numeric_limits<T>::quiet_NaN();
  return std::memcmp(&v, &canonical, sizeof(T)) == 0;
}

// Whether the element list reproduces the tensor's bytes exactly.
bool listRoundTrips(const Tensor& t) {
  if (t.byteSize() != static_cast<size_t>(t.numElements()) * dtypeSize(t.dtype())) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(t.rawData());
  size_t n = t.byteSize();
  switch (t.dtype()) {
    case DType::F16:
    case DType::BF16: return false;
    case DType::Bool:
      for (size_t i = 0; i < n; ++i)
        if (bytes[i] > 1) return false;
      return true;
    case DType::F32:
      for (float v : t.values<float>())
        if (std::isnan(v) && !isDefaultNaN(v)) return false;
      return true;
    case DType::F64:
      for (double v : t.values<double>())
        if (std::isnan(v) && !isDefaultNaN(v)) return false;
      return true;
    default: return true;
  }
}

void appendHex(std::string& out, const Tensor& t) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* bytes = reinterpret_cast<const unsigned char*>(t.rawData());
  out += "hex\"";
  size_t start = out.size();
  out.resize(start + 2 * t.byteSize());
  for (size_t i = 0; i < t.byteSize(); ++i) {
    out[start + 2 * i] = kHex[bytes[i] >> 4];
    out[start + 2 * i + 1] = kHex[bytes[i] & 15];
  }
  out += '"';
}

void appendList(std::string& out, const Tensor& t) {
  out += '[';
  int64_t n = t.numElements();
  for (int64_t i = 0; i < n; ++i) {
    if (i) out += ", ";
    if (t.dtype() == DType::Bool) {
      // Read the byte, not a bool: the bytes are checked to be 0 or 1, and
      // loading other values as bool would be undefined.
      out += reinterpret_cast<const unsigned char*>(t.rawData())[i] ? "true" : "false";
      continue;
    }
    visitDType(t.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T v;
      std::memcpy(&v, t.rawData() + i * sizeof(T), sizeof(T));
      appendNumber(out, v);
    });
  }
  out += ']';
}

void appendTensorData(std::string& out, const Tensor& t) {
  if (t.numElements() <= kMaxListElements && listRoundTrips(t)) appendList(out, t);
  else appendHex(out, t);
}

void appendType(std::string& out, const TensorType& t) { out += t.toString(); }

void appendTensorLiteral(std::string& out, const Tensor& t) {
  out += "tensor<";
  appendType(out, TensorType{t.dtype(), t.shape()});
  out += "> ";
  appendTensorData(out, t);
}

template <typename T, typename F>
void appendSeq(std::string& out, const std::vector<T>& items, F&& each) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    each(items[i]);
  }
  out += ']';
}

void appendAttribute(std::string& out, const Attribute& a) {
  switch (a.kind()) {
    case AttrKind::Int: appendNumber(out, a.asInt()); break;
    case AttrKind::Float: appendNumber(out, a.asFloat()); break;
    case AttrKind::String: appendQuoted(out, a.asString()); break;
    case AttrKind::Ints: appendSeq(out, a.asInts(), [&](int64_t v) { appendNumber(out, v); }); break;
    case AttrKind::Floats: appendSeq(out, a.asFloats(), [&](float v) { appendNumber(out, v); }); break;
    case AttrKind::Strings:
      appendSeq(out, a.asStrings(), [&](const std::string& s) { appendQuoted(out, s); });
      break;
    case AttrKind::Tensor: appendTensorLiteral(out, a.asTensor()); break;
  }
}

// Dumps must not crash on broken graphs (that is when they are needed), so a
// null value prints as `_`.
void appendRef(std::string& out, const Value* v) {
  if (!v) {
    out += '_';
    return;
  }
  out += '%';
  appendName(out, v->name());
}

void appendStatements(std::string& out, const Graph& g, const std::string& indent);

// `indent` is the statement's own indentation: a body's statements are
// indented two more spaces and its closing brace lines up with the node.
void appendNode(std::string& out, const Node& n, const std::string& indent) {
  const auto& results = n.results();
  for (size_t i = 0; i < results.size(); ++i) {
    if (i) out += ", ";
    appendRef(out, results[i]);
  }
  if (!results.empty()) out += " = ";
  appendIdentOrQuoted(out, n.opName());
  out += '(';
  for (size_t i = 0; i < n.operands().size(); ++i) {
    if (i) out += ", ";
    appendRef(out, n.operands()[i]);
  }
  out += ')';
  // The attribute braces of an op with a body are always written, even
  // empty, so the parser knows the next `{` opens the body.
  if (!n.attrs().empty() || n.op().hasBody) {
    out += " {";
    bool first = true;
    for (const auto& [name, a] : n.attrs()) {
      if (!first) out += ", ";
      first = false;
      appendIdentOrQuoted(out, name);
      out += " = ";
      appendAttribute(out, a);
    }
    out += '}';
  }
  if (!n.name().empty()) {
    out += " name ";
    appendQuoted(out, n.name());
  }
  if (n.op().hasBody || n.body()) {
    out += " {\n";
    if (n.body()) appendStatements(out, *n.body(), indent + "  ");
    out += indent;
    out += '}';
  }
  if (!results.empty()) {
    out += " : ";
    for (size_t i = 0; i < results.size(); ++i) {
      if (i) out += ", ";
      if (results[i]) appendType(out, results[i]->type());
    }
  }
}

void appendStatements(std::string& out, const Graph& g, const std::string& indent) {
  if (!g.docString.empty()) {
    out += indent;
    out += "doc ";
    appendQuoted(out, g.docString);
    out += '\n';
  }
  for (const Value* v : g.inputs()) {
    out += indent;
    out += "input ";
    appendRef(out, v);
    out += " : ";
    if (v) appendType(out, v->type());
    out += '\n';
  }
  for (const Value* v : g.params()) {
    out += indent;
    out += v && !v->trainable() ? "param frozen " : "param ";
    appendRef(out, v);
    if (!v) {
      out += '\n';
      continue;
    }
    out += " : ";
    appendType(out, v->type());
    if (const Tensor* data = v->paramData()) {
      out += " = ";
      if (data->dtype() == v->dtype() && data->shape() == v->shape()) appendTensorData(out, *data);
      else appendTensorLiteral(out, *data);
    }
    out += '\n';
  }
  for (const auto& n : g.nodes()) {
    out += indent;
    appendNode(out, *n, indent);
    out += '\n';
  }
  if (!g.outputs().empty()) {
    out += indent;
    out += "output ";
    for (size_t i = 0; i < g.outputs().size(); ++i) {
      if (i) out += ", ";
      appendRef(out, g.outputs()[i]);
    }
    out += '\n';
  }
  for (const StateUpdate& u : g.stateUpdates()) {
    out += indent;
    out += "update ";
    appendRef(out, u.param);
    out += " = ";
    appendRef(out, u.newValue);
    out += '\n';
  }
}

}  // namespace

std::string printNode(const Node& n) {
  std::string out;
  appendNode(out, n, "");
  return out;
}

std::string printAttribute(const Attribute& a) {
  std::string out;
  appendAttribute(out, a);
  return out;
}

std::string printValueRef(const Value& v) {
  std::string out;
  appendRef(out, &v);
  return out;
}

std::string printGraph(const Graph& g) {
  std::string out = "graph @";
  appendName(out, g.name());
  out += " {\n";
  appendStatements(out, g, "  ");
  out += "}\n";
  return out;
}

}  // namespace ingot::ir
