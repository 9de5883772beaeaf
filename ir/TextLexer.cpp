#include "ir/TextLexer.h"

#include <fmt/format.h>

namespace ingot::ir::text {

namespace {
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isHexDigit(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hexValue(char c) {
  if (isDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
}  // namespace

bool isNameChar(char c) { return isAlpha(c) || isDigit(c) || c == '_' || c == '.'; }

bool isBareName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!isNameChar(c)) return false;
  return true;
}

bool isIdentifier(std::string_view s) {
  if (s.empty() || !(isAlpha(s[0]) || s[0] == '_')) return false;
  return isBareName(s);
}

void Lexer::skipSpaceAndComments() {
  while (pos_ < src_.size()) {
    char c = src_[pos_];
    if (c == '\n') {
      ++pos_;
      ++line_;
      lineStart_ = pos_;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++pos_;
    } else if (c == '#') {
      while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
    } else {
      return;
    }
  }
}

void Lexer::scanString(Token& tok) {
  size_t start = ++pos_;  // past the opening quote
  while (pos_ < src_.size()) {
    char c = src_[pos_];
    if (c == '"') {
      tok.text = src_.substr(start, pos_ - start);
      ++pos_;
      return;
    }
    // Strings end on their line: an unterminated one is reported where it
    // starts instead of swallowing the rest of the file.
    if (c == '\n') break;
    if (c == '\\') {
      tok.hasEscapes = true;
      char e = peekChar(1);
      if (e == '"' || e == '\\' || e == 'n' || e == 't') {
        pos_ += 2;
      } else if (e == 'x' && isHexDigit(peekChar(2)) && isHexDigit(peekChar(3))) {
        pos_ += 4;
      } else {
        tok.kind = Tok::Error;
        tok.col = pos_ - lineStart_ + 1;
        tok.message = e == 'x' ? std::string("\\x must be followed by two hex digits")
                               : fmt::format("unknown escape '\\{}' in string",
                                             e >= 0x20 && e < 0x7f ? std::string(1, e) : "?");
        pos_ = src_.size();  // stop: the parser reports the first error only
        return;
      }
      continue;
    }
    ++pos_;
  }
  tok.kind = Tok::Error;
  tok.message = "unterminated string";
  pos_ = src_.size();
}

void Lexer::scanName(Token& tok, Tok kind, const char* sigil) {
  tok.kind = kind;
  ++pos_;  // the sigil
  if (peekChar() == '"') {
    tok.quoted = true;
    scanString(tok);
    if (tok.kind == Tok::Error) return;
    tok.kind = kind;
    return;
  }
  size_t start = pos_;
  while (pos_ < src_.size() && isNameChar(src_[pos_])) ++pos_;
  if (pos_ == start) {
    tok.kind = Tok::Error;
    tok.message = fmt::format("expected a name or a quoted name after '{}'", sigil);
    return;
  }
  tok.text = src_.substr(start, pos_ - start);
}

Token Lexer::next() {
  skipSpaceAndComments();
  Token tok;
  tok.line = line_;
  tok.col = pos_ - lineStart_ + 1;
  if (pos_ >= src_.size()) return tok;  // Eof
  char c = src_[pos_];
  auto single = [&](Tok k) {
    tok.kind = k;
    tok.text = src_.substr(pos_, 1);
    ++pos_;
    return tok;
  };
  switch (c) {
    case '{': return single(Tok::LBrace);
    case '}': return single(Tok::RBrace);
    case '(': return single(Tok::LParen);
    case ')': return single(Tok::RParen);
    case '[': return single(Tok::LBracket);
    case ']': return single(Tok::RBracket);
    case ',': return single(Tok::Comma);
    case '=': return single(Tok::Equal);
    case ':': return single(Tok::Colon);
    case '<': return single(Tok::Less);
    case '>': return single(Tok::Greater);
    case '%': scanName(tok, Tok::ValueName, "%"); return tok;
    case '@': scanName(tok, Tok::GlobalName, "@"); return tok;
    case '"':
      tok.kind = Tok::String;
      tok.quoted = true;
      scanString(tok);
      return tok;
    default: break;
  }
  if (isAlpha(c) || c == '_') {
    size_t start = pos_;
    while (pos_ < src_.size() && isNameChar(src_[pos_])) ++pos_;
    tok.kind = Tok::Ident;
    tok.text = src_.substr(start, pos_ - start);
    return tok;
  }
  if (isDigit(c) || (c == '-' && isNameChar(peekChar(1)))) {
    // One loose token; the parser decides (with from_chars) whether it is a
    // valid integer or float, so the lexer needs no number grammar.
    size_t start = pos_++;
    while (pos_ < src_.size()) {
      char d = src_[pos_];
      char prev = src_[pos_ - 1];
      if (isNameChar(d) || ((d == '+' || d == '-') && (prev == 'e' || prev == 'E'))) ++pos_;
      else break;
    }
    tok.kind = Tok::Number;
    tok.text = src_.substr(start, pos_ - start);
    return tok;
  }
  tok.kind = Tok::Error;
  tok.message = c >= 0x20 && c < 0x7f ? fmt::format("unexpected character '{}'", c)
                                      : fmt::format("unexpected byte 0x{:02x}",
                                                    static_cast<unsigned char>(c));
  pos_ = src_.size();
  return tok;
}

std::string decodeString(const Token& tok) {
  std::string_view s = tok.text;
  if (!tok.hasEscapes) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char e = s[++i];
    if (e == 'n') out += '\n';
    else if (e == 't') out += '\t';
    else if (e == 'x' && i + 2 < s.size() && isHexDigit(s[i + 1]) && isHexDigit(s[i + 2])) {
      out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
      i += 2;
    } else {
      out += e;  // \" and \\ (others were rejected by the lexer)
    }
  }
  return out;
}

void appendQuoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u >= 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string describeToken(const Token& tok) {
  auto clip = [](std::string_view s) {
    return s.size() > 24 ? std::string(s.substr(0, 24)) + "..." : std::string(s);
  };
  switch (tok.kind) {
    case Tok::Eof: return "end of input";
    case Tok::Error: return "invalid token";
    case Tok::String: return "a string";
    case Tok::ValueName: {
      if (!tok.quoted) return "'%" + clip(tok.text) + "'";
      std::string q;
      appendQuoted(q, clip(decodeString(tok)));
      return "'%" + q + "'";
    }
    case Tok::GlobalName: return "a @name";
    default: return "'" + clip(tok.text) + "'";
  }
}

}  // namespace ingot::ir::text
