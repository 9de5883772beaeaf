// The tokenizer of the text IR (format: see ir/TextPrinter.h). Internal to
// the printer and parser; kept in its own file so the character classes that
// decide when a name must be quoted live next to the code that reads them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ingot::ir::text {

enum class Tok {
  Eof,
  Error,       // a lexical error; `message` says what
  Ident,       // [A-Za-z_][A-Za-z0-9_.]*: keywords, op names, dtypes, nan, inf, _
  Number,      // -?[0-9A-Za-z_.]+ with [+-] after an exponent 'e'/'E'; checked by the parser
  String,      // "..."
  ValueName,   // %name or %"..."
  GlobalName,  // @name or @"..."
  LBrace, RBrace, LParen, RParen, LBracket, RBracket,
  Comma, Equal, Colon, Less, Greater,
};

struct Token {
  Tok kind = Tok::Eof;
  // Ident/Number: the text. String: the raw contents between the quotes
  // (escapes not decoded). ValueName/GlobalName: the name without the sigil,
  // raw like a String when `quoted`.
  std::string_view text;
  bool quoted = false;      // a quoted name, or a String
  bool hasEscapes = false;  // `text` contains backslash escapes
  std::string message;      // Error only
  size_t line = 1, col = 1;  // 1-based; col counts bytes
};

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}
  Token next();

 private:
  char peekChar(size_t ahead = 0) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }
  void skipSpaceAndComments();
  // Scans a "..." string starting at the opening quote into `tok`.
  void scanString(Token& tok);
  void scanName(Token& tok, Tok kind, const char* sigil);

  std::string_view src_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t lineStart_ = 0;
};

// Characters of an unquoted %value / @graph name.
bool isNameChar(char c);
// True when `s` can be written as %s / @s without quotes.
bool isBareName(std::string_view s);
// True when `s` lexes as one Ident token (op and attribute names).
bool isIdentifier(std::string_view s);

// Decodes the escapes of a String token or quoted name. The lexer has
// already validated them, so this cannot fail.
std::string decodeString(const Token& tok);
// Writes `s` as a "..." literal: \" \\ \n \t, and \xHH for every other byte
// outside printable ASCII, so printed text is plain ASCII.
void appendQuoted(std::string& out, std::string_view s);

// A short description of a token for "expected X, found Y" messages.
std::string describeToken(const Token& tok);

}  // namespace ingot::ir::text
