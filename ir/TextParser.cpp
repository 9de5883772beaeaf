#include "ir/TextParser.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <unordered_set>
#include <utility>

#include "ir/TextLexer.h"

namespace ingot::ir {

namespace {

using text::Tok;
using text::Token;

// Shapes beyond this are rejected so element counts and byte sizes can be
// computed without overflow anywhere downstream.
constexpr int64_t kMaxElements = int64_t{1} << 40;

std::string refText(std::string_view name) {
  std::string out = "%";
  if (text::isBareName(name)) out += name;
  else text::appendQuoted(out, name);
  return out;
}

// 'name' with unprintable bytes escaped, so messages stay one clean line.
std::string forMessage(std::string_view name) {
  std::string q;
  text::appendQuoted(q, name);
  return "'" + q.substr(1, q.size() - 2) + "'";
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Bodies of nodes (Fused) may nest; deeper nesting than this is rejected so
// hostile input cannot exhaust the stack (the fusion pass makes one level).
constexpr int kMaxBodyDepth = 16;

// The only recursion is a node body (parseBody -> statements -> parseNode),
// bounded by kMaxBodyDepth; everything else is iterative.
class Parser {
 public:
  Parser(std::string_view text, const std::string& source, const OpRegistry& ops)
      : lex_(text), source_(source), ops_(ops) {
    advance();
  }

  Expected<std::unique_ptr<Graph>> run();

 private:
  void advance() { tok_ = lex_.next(); }
  bool atIdent(std::string_view s) const { return tok_.kind == Tok::Ident && tok_.text == s; }

  // A lexical error token carries its own, more precise message.
  template <typename... Args>
  Status errorAt(const Token& t, fmt::format_string<Args...> f, Args&&... args) const {
    std::string msg = t.kind == Tok::Error ? t.message : fmt::format(f, std::forward<Args>(args)...);
    return invalidInput("{}:{}:{}: {}", source_, t.line, t.col, msg);
  }
  Status expect(Tok kind, std::string_view what) {
    if (tok_.kind != kind) return errorAt(tok_, "expected {}, found {}", what, text::describeToken(tok_));
    advance();
    return Status::ok();
  }
  static std::string nameOf(const Token& t) {
    return t.quoted ? text::decodeString(t) : std::string(t.text);
  }

  Status parseStatement();
  Status parseInput();
  Status parseParam();
  Status parseOutput();
  Status parseUpdate();
  Status parseNode(bool hasResults);
  // `{ statements }` after a node of an op with a body; the statements build
  // a fresh Graph (value names are scoped to it).
  Expected<std::unique_ptr<Graph>> parseBody();
  // A name not yet defined in the graph nor among `pending` (the results of
  // the node being parsed: a set, as a node may have very many).
  Expected<std::string> parseNewValueName(const std::unordered_set<std::string>& pending);
  Expected<TensorType> parseType();
  Expected<Tensor> parseTensorData(const TensorType& type);
  Expected<Tensor> parseHex(const TensorType& type, int64_t n);
  Expected<Tensor> parseList(const TensorType& type, int64_t n);
  Expected<Attribute> parseAttrValue(AttrKind kind);
  template <typename T>
  Status parseScalar(T& out);

  text::Lexer lex_;
  Token tok_;
  const std::string& source_;
  const OpRegistry& ops_;
  std::unique_ptr<Graph> g_;
  int bodyDepth_ = 0;
};

Expected<std::unique_ptr<Graph>> Parser::run() {
  if (!atIdent("graph"))
    return errorAt(tok_, "expected 'graph', found {}", text::describeToken(tok_));
  advance();
  if (tok_.kind != Tok::GlobalName)
    return errorAt(tok_, "expected the graph name (@name), found {}", text::describeToken(tok_));
  g_ = std::make_unique<Graph>(nameOf(tok_));
  advance();
  INGOT_RETURN_IF_ERROR(expect(Tok::LBrace, "'{'"));
  while (tok_.kind != Tok::RBrace) {
    if (tok_.kind == Tok::Eof) return errorAt(tok_, "expected '}}' to close the graph");
    INGOT_RETURN_IF_ERROR(parseStatement());
  }
  advance();
  if (tok_.kind != Tok::Eof)
    return errorAt(tok_, "unexpected {} after the end of the graph", text::describeToken(tok_));
  return std::move(g_);
}

Status Parser::parseStatement() {
  if (tok_.kind == Tok::ValueName) return parseNode(true);
  if (tok_.kind == Tok::Ident) {
    if (tok_.text == "input") return parseInput();
    if (tok_.text == "param") return parseParam();
    if (tok_.text == "output") return parseOutput();
    if (tok_.text == "update") return parseUpdate();
    if (tok_.text == "doc") {
      advance();
      if (tok_.kind != Tok::String)
        return errorAt(tok_, "expected a string after 'doc', found {}", text::describeToken(tok_));
      g_->docString = text::decodeString(tok_);
      advance();
      return Status::ok();
    }
    return parseNode(false);
  }
  if (tok_.kind == Tok::String) return parseNode(false);
  return errorAt(tok_, "expected a statement (input, param, a node or output), found {}",
                 text::describeToken(tok_));
}

Expected<std::string> Parser::parseNewValueName(const std::unordered_set<std::string>& pending) {
  if (tok_.kind != Tok::ValueName)
    return errorAt(tok_, "expected a value name (%name), found {}", text::describeToken(tok_));
  std::string name = nameOf(tok_);
  const bool taken = g_->findValue(name) != nullptr || pending.count(name) > 0;
  if (taken) return errorAt(tok_, "value {} is defined twice", refText(name));
  if (name.empty()) return errorAt(tok_, "a value name must not be empty");
  advance();
  return name;
}

Status Parser::parseInput() {
  advance();
  Token nameTok = tok_;
  INGOT_ASSIGN_OR_RETURN(std::string name, parseNewValueName({}));
  INGOT_RETURN_IF_ERROR(expect(Tok::Colon, "':'"));
  INGOT_ASSIGN_OR_RETURN(TensorType type, parseType());
  auto v = g_->addInput(std::move(name), std::move(type));
  if (!v.ok()) return errorAt(nameTok, "{}", v.status().message());
  return Status::ok();
}

Status Parser::parseParam() {
  advance();
  bool frozen = atIdent("frozen");
  if (frozen) advance();
  Token nameTok = tok_;
  INGOT_ASSIGN_OR_RETURN(std::string name, parseNewValueName({}));
  INGOT_RETURN_IF_ERROR(expect(Tok::Colon, "':'"));
  INGOT_ASSIGN_OR_RETURN(TensorType type, parseType());
  INGOT_RETURN_IF_ERROR(expect(Tok::Equal, "'=' and the parameter's data"));
  // `tensor<T> data` gives data of another type than the declared one (only
  // printed for graphs the verifier rejects, but it must round-trip).
  TensorType dataType = type;
  if (atIdent("tensor")) {
    advance();
    INGOT_RETURN_IF_ERROR(expect(Tok::Less, "'<'"));
    INGOT_ASSIGN_OR_RETURN(dataType, parseType());
    INGOT_RETURN_IF_ERROR(expect(Tok::Greater, "'>'"));
  }
  INGOT_ASSIGN_OR_RETURN(Tensor data, parseTensorData(dataType));
  auto v = g_->addParam(std::move(name), std::move(data));
  if (!v.ok()) return errorAt(nameTok, "{}", v.status().message());
  (*v)->setTrainable(!frozen);
  if (dataType != type) (*v)->setType(std::move(type));
  return Status::ok();
}

Status Parser::parseOutput() {
  advance();
  for (;;) {
    if (tok_.kind != Tok::ValueName)
      return errorAt(tok_, "expected an output value (%name), found {}", text::describeToken(tok_));
    std::string name = nameOf(tok_);
    Value* v = g_->findValue(name);
    if (!v) return errorAt(tok_, "undefined value {}", refText(name));
    g_->addOutput(v);
    advance();
    if (tok_.kind != Tok::Comma) return Status::ok();
    advance();
  }
}

// `update %param = %value`; Graph::addStateUpdate checks kinds and types.
Status Parser::parseUpdate() {
  advance();
  Value* refs[2] = {nullptr, nullptr};
  Token refToks[2];
  for (int i = 0; i < 2; ++i) {
    if (i == 1) INGOT_RETURN_IF_ERROR(expect(Tok::Equal, "'=' and the new value"));
    if (tok_.kind != Tok::ValueName)
      return errorAt(tok_, "expected {} (%name), found {}", i == 0 ? "the updated parameter" : "the new value",
                     text::describeToken(tok_));
    std::string name = nameOf(tok_);
    refs[i] = g_->findValue(name);
    if (!refs[i]) return errorAt(tok_, "undefined value {}", refText(name));
    refToks[i] = tok_;
    advance();
  }
  Status st = g_->addStateUpdate(refs[0], refs[1]);
  // A type mismatch is about the new value; anything else about the parameter.
  if (!st.isOk()) return errorAt(refs[0]->type() != refs[1]->type() ? refToks[1] : refToks[0], "{}", st.message());
  return Status::ok();
}

Status Parser::parseNode(bool hasResults) {
  Token start = tok_;
  std::vector<std::pair<std::string, TensorType>> results;
  if (hasResults) {
    std::unordered_set<std::string> resultNames;
    for (;;) {
      INGOT_ASSIGN_OR_RETURN(std::string name, parseNewValueName(resultNames));
      resultNames.insert(name);
      results.emplace_back(std::move(name), TensorType{});
      if (tok_.kind != Tok::Comma) break;
      advance();
    }
    INGOT_RETURN_IF_ERROR(expect(Tok::Equal, "'=' or ','"));
  }
  if (tok_.kind != Tok::Ident && tok_.kind != Tok::String)
    return errorAt(tok_, "expected an op name, found {}", text::describeToken(tok_));
  Token opTok = tok_;
  std::string opName = nameOf(tok_);
  const OpDef* op = ops_.find(opName);
  if (!op) return errorAt(opTok, "unknown op {}", forMessage(opName));
  advance();
  INGOT_RETURN_IF_ERROR(expect(Tok::LParen, "'(' and the operands"));
  std::vector<Value*> operands;
  if (tok_.kind != Tok::RParen) {
    for (;;) {
      if (atIdent("_")) {
        operands.push_back(nullptr);
      } else if (tok_.kind == Tok::ValueName) {
        std::string name = nameOf(tok_);
        Value* v = g_->findValue(name);
        if (!v) return errorAt(tok_, "undefined value {}", refText(name));
        operands.push_back(v);
      } else {
        return errorAt(tok_, "expected an operand (%name or _), found {}", text::describeToken(tok_));
      }
      advance();
      if (tok_.kind != Tok::Comma) break;
      advance();
    }
  }
  INGOT_RETURN_IF_ERROR(expect(Tok::RParen, "',' or ')'"));

  AttrMap attrs;
  // An op with a body always has its attribute braces (maybe `{}`), so the
  // next `{` after them is unambiguously the body.
  if (op->hasBody && tok_.kind != Tok::LBrace)
    return errorAt(tok_, "expected '{{' and the attributes of '{}' (written even when empty: {{}})", op->name);
  if (tok_.kind == Tok::LBrace) {
    advance();
    while (tok_.kind != Tok::RBrace) {
      if (tok_.kind != Tok::Ident && tok_.kind != Tok::String)
        return errorAt(tok_, "expected an attribute name, found {}", text::describeToken(tok_));
      std::string name = nameOf(tok_);
      const AttrSpec* spec = op->findAttr(name);
      if (!spec) return errorAt(tok_, "op '{}' has no attribute {}", op->name, forMessage(name));
      if (attrs.count(name)) return errorAt(tok_, "attribute {} is given twice", forMessage(name));
      advance();
      INGOT_RETURN_IF_ERROR(expect(Tok::Equal, "'='"));
      INGOT_ASSIGN_OR_RETURN(Attribute value, parseAttrValue(spec->kind));
      attrs.emplace(std::move(name), std::move(value));
      if (tok_.kind == Tok::Comma) {
        advance();
        if (tok_.kind == Tok::RBrace)
          return errorAt(tok_, "expected an attribute name, found {}", text::describeToken(tok_));
      } else if (tok_.kind != Tok::RBrace) {
        return errorAt(tok_, "expected ',' or '}}', found {}", text::describeToken(tok_));
      }
    }
    advance();
  }

  std::string nodeName;
  if (atIdent("name")) {
    advance();
    if (tok_.kind != Tok::String)
      return errorAt(tok_, "expected the node name as a string, found {}", text::describeToken(tok_));
    nodeName = text::decodeString(tok_);
    advance();
  }

  std::unique_ptr<Graph> body;
  if (op->hasBody) {
    if (tok_.kind != Tok::LBrace)
      return errorAt(tok_, "expected '{{' and the body of '{}', found {}", op->name, text::describeToken(tok_));
    INGOT_ASSIGN_OR_RETURN(body, parseBody());
  }

  if (hasResults) {
    INGOT_RETURN_IF_ERROR(expect(Tok::Colon, "':' and the result types"));
    for (size_t i = 0; i < results.size(); ++i) {
      if (i > 0) {
        if (tok_.kind != Tok::Comma)
          return errorAt(tok_, "expected {} result types, found {}", results.size(), i);
        advance();
      }
      INGOT_ASSIGN_OR_RETURN(results[i].second, parseType());
    }
    if (tok_.kind == Tok::Comma)
      return errorAt(tok_, "more result types than the {} results", results.size());
  }
  auto node = body ? g_->addNodeWithBody(*op, std::move(operands), std::move(body), std::move(attrs),
                                         std::move(results), std::move(nodeName))
                   : g_->addNodeWithTypes(*op, std::move(operands), std::move(attrs), std::move(results),
                                          std::move(nodeName));
  if (!node.ok()) return errorAt(start, "{}", node.status().message());
  return Status::ok();
}

Expected<std::unique_ptr<Graph>> Parser::parseBody() {
  Token open = tok_;
  if (bodyDepth_ >= kMaxBodyDepth) return errorAt(open, "bodies nested more than {} deep", kMaxBodyDepth);
  advance();
  // Statements go to g_, so the body becomes g_ while it is parsed; names
  // of the enclosing graph are then out of scope, as the format says.
  std::unique_ptr<Graph> outer = std::move(g_);
  g_ = std::make_unique<Graph>("body");
  ++bodyDepth_;
  Status st = Status::ok();
  while (st.isOk() && tok_.kind != Tok::RBrace) {
    if (tok_.kind == Tok::Eof) st = errorAt(tok_, "expected '}}' to close the body opened at {}:{}", open.line, open.col);
    else st = parseStatement();
  }
  --bodyDepth_;
  std::unique_ptr<Graph> body = std::move(g_);
  g_ = std::move(outer);
  INGOT_RETURN_IF_ERROR(st);
  advance();
  return body;
}

Expected<TensorType> Parser::parseType() {
  if (tok_.kind != Tok::Ident)
    return errorAt(tok_, "expected a type (like f32[2,3]), found {}", text::describeToken(tok_));
  Token typeTok = tok_;
  auto dtype = parseDType(tok_.text);
  if (!dtype) return errorAt(tok_, "unknown dtype '{}'", tok_.text);
  advance();
  INGOT_RETURN_IF_ERROR(expect(Tok::LBracket, "'[' and the shape"));
  TensorType type{*dtype, {}};
  int64_t nonZeroProduct = 1;
  if (tok_.kind != Tok::RBracket) {
    for (;;) {
      if (tok_.kind != Tok::Number)
        return errorAt(tok_, "expected a dimension, found {}", text::describeToken(tok_));
      std::string_view s = tok_.text;
      if (s[0] == '-') return errorAt(tok_, "negative dimension {}", s);
      int64_t d = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ec == std::errc::result_out_of_range || (ec == std::errc() && d > kMaxElements))
        return errorAt(tok_, "dimension {} is too large", s);
      if (ec != std::errc() || ptr != s.data() + s.size())
        return errorAt(tok_, "invalid dimension '{}'", s);
      if (d != 0) {
        if (nonZeroProduct > kMaxElements / d)
          return errorAt(typeTok, "shape has more than 2^40 elements");
        nonZeroProduct *= d;
      }
      type.shape.push_back(d);
      advance();
      if (tok_.kind != Tok::Comma) break;
      advance();
    }
  }
  INGOT_RETURN_IF_ERROR(expect(Tok::RBracket, "',' or ']'"));
  return type;
}

Expected<Tensor> Parser::parseTensorData(const TensorType& type) {
  int64_t n = numElements(type.shape);  // bounded by parseType
  if (atIdent("hex")) return parseHex(type, n);
  if (tok_.kind == Tok::LBracket) return parseList(type, n);
  return errorAt(tok_, "expected tensor data ([...] or hex\"...\"), found {}",
                 text::describeToken(tok_));
}

Expected<Tensor> Parser::parseHex(const TensorType& type, int64_t n) {
  advance();
  if (tok_.kind != Tok::String)
    return errorAt(tok_, "expected a string after 'hex', found {}", text::describeToken(tok_));
  std::string_view s = tok_.text;
  // Checked before allocating: the declared shape may be huge.
  uint64_t bytes = static_cast<uint64_t>(n) * dtypeSize(type.dtype);
  if (s.size() != 2 * bytes)
    return errorAt(tok_, "hex data has {} digits, {} needs {} ({} bytes)", s.size(),
                   type.toString(), 2 * bytes, bytes);
  Tensor t(type.dtype, type.shape);
  auto* out = reinterpret_cast<unsigned char*>(t.rawData());
  for (size_t i = 0; i < bytes; ++i) {
    int hi = hexDigit(s[2 * i]), lo = hexDigit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      Token at = tok_;
      at.col += 1 + 2 * i + (hi < 0 ? 0 : 1);  // strings are one line: columns add up
      return errorAt(at, "invalid hex digit in tensor data");
    }
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  advance();
  return t;
}

template <typename T>
Status Parser::parseScalar(T& out) {
  std::string_view s = tok_.text;
  if constexpr (std::is_same_v<T, bool>) {
    if (atIdent("true") || atIdent("false")) {
      out = tok_.text == "true";
      return Status::ok();
    }
    return errorAt(tok_, "expected true or false, found {}", text::describeToken(tok_));
  } else if constexpr (std::is_floating_point_v<T>) {
    if (atIdent("nan")) out = std::numeric_limits<T>::quiet_NaN();
    else if (atIdent("inf")) out = std::numeric_limits<T>::infinity();
    else if (tok_.kind == Tok::Number && s == "-inf") out = -std::numeric_limits<T>::infinity();
    else if (tok_.kind != Tok::Number || s.find_first_of("0123456789") != (s[0] == '-' ? 1 : 0))
      return errorAt(tok_, "expected a number, found {}", text::describeToken(tok_));
    else {
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (ec == std::errc::result_out_of_range)
        return errorAt(tok_, "{} is out of range for {}", s, dtypeName(DTypeOf<T>::value));
      if (ec != std::errc() || ptr != s.data() + s.size())
        return errorAt(tok_, "invalid number '{}'", s);
    }
    return Status::ok();
  } else {
    if (tok_.kind != Tok::Number)
      return errorAt(tok_, "expected an integer, found {}", text::describeToken(tok_));
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc::result_out_of_range ||
        (std::is_unsigned_v<T> && ec == std::errc::invalid_argument && s[0] == '-' &&
         s.size() > 1 && s[1] >= '0' && s[1] <= '9'))
      return errorAt(tok_, "{} is out of range for {}", s, dtypeName(DTypeOf<T>::value));
    if (ec != std::errc() || ptr != s.data() + s.size())
      return errorAt(tok_, "invalid integer '{}'", s);
    return Status::ok();
  }
}

Expected<Tensor> Parser::parseList(const TensorType& type, int64_t n) {
  Token open = tok_;
  if (!isComputable(type.dtype))
    return errorAt(open, "{} data must be written as hex\"...\"", dtypeName(type.dtype));
  advance();
  // Elements are collected before the tensor is allocated, so a list
  // claiming a huge shape costs no more memory than its text.
  std::vector<unsigned char> bytes;
  int64_t count = 0;
  if (tok_.kind != Tok::RBracket) {
    for (;;) {
      if (count == n)
        return errorAt(tok_, "too many elements: {} has {}", type.toString(), n);
      Status st;
      visitDType(type.dtype, [&](auto tag) {
        using T = decltype(tag);
        T v{};
        st = parseScalar(v);
        // Bools are stored as one byte 0/1 (see Tensor::fromVector).
        unsigned char buf[sizeof(T)];
        std::memcpy(buf, &v, sizeof(T));
        bytes.insert(bytes.end(), buf, buf + sizeof(T));
      });
      INGOT_RETURN_IF_ERROR(st);
      ++count;
      advance();
      if (tok_.kind != Tok::Comma) break;
      advance();
    }
  }
  INGOT_RETURN_IF_ERROR(expect(Tok::RBracket, "',' or ']'"));
  if (count != n)
    return errorAt(open, "expected {} elements for {}, got {}", n, type.toString(), count);
  Tensor t(type.dtype, type.shape);
  if (!bytes.empty()) std::memcpy(t.rawData(), bytes.data(), bytes.size());
  return t;
}

Expected<Attribute> Parser::parseAttrValue(AttrKind kind) {
  switch (kind) {
    case AttrKind::Int: {
      int64_t v = 0;
      INGOT_RETURN_IF_ERROR(parseScalar(v));
      advance();
      return Attribute(v);
    }
    case AttrKind::Float: {
      float v = 0;
      INGOT_RETURN_IF_ERROR(parseScalar(v));
      advance();
      return Attribute(v);
    }
    case AttrKind::String: {
      if (tok_.kind != Tok::String)
        return errorAt(tok_, "expected a string, found {}", text::describeToken(tok_));
      std::string v = text::decodeString(tok_);
      advance();
      return Attribute(std::move(v));
    }
    case AttrKind::Tensor: {
      if (!atIdent("tensor"))
        return errorAt(tok_, "expected a tensor (tensor<f32[2]> [1, 2]), found {}",
                       text::describeToken(tok_));
      advance();
      INGOT_RETURN_IF_ERROR(expect(Tok::Less, "'<'"));
      INGOT_ASSIGN_OR_RETURN(TensorType type, parseType());
      INGOT_RETURN_IF_ERROR(expect(Tok::Greater, "'>'"));
      INGOT_ASSIGN_OR_RETURN(Tensor t, parseTensorData(type));
      return Attribute(std::move(t));
    }
    case AttrKind::Ints:
    case AttrKind::Floats:
    case AttrKind::Strings: break;
  }
  if (tok_.kind != Tok::LBracket)
    return errorAt(tok_, "expected a list [...] ({}), found {}", attrKindName(kind),
                   text::describeToken(tok_));
  advance();
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  if (tok_.kind != Tok::RBracket) {
    for (;;) {
      if (kind == AttrKind::Ints) {
        INGOT_RETURN_IF_ERROR(parseScalar(ints.emplace_back()));
      } else if (kind == AttrKind::Floats) {
        INGOT_RETURN_IF_ERROR(parseScalar(floats.emplace_back()));
      } else {
        if (tok_.kind != Tok::String)
          return errorAt(tok_, "expected a string, found {}", text::describeToken(tok_));
        strings.push_back(text::decodeString(tok_));
      }
      advance();
      if (tok_.kind != Tok::Comma) break;
      advance();
    }
  }
  INGOT_RETURN_IF_ERROR(expect(Tok::RBracket, "',' or ']'"));
  if (kind == AttrKind::Ints) return Attribute(std::move(ints));
  if (kind == AttrKind::Floats) return Attribute(std::move(floats));
  return Attribute(std::move(strings));
}

}  // namespace

Expected<std::unique_ptr<Graph>> parseGraph(std::string_view text, const std::string& sourceName,
                                            const OpRegistry& ops) {
  Parser p(text, sourceName, ops);
  return p.run();
}

}  // namespace ingot::ir
