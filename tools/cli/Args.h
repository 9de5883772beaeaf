// Command-line parsing for the `ingot` subcommands: each command declares its
// flags in a table, from which both parsing and --help are derived.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::cli {

struct FlagSpec {
  std::string name;     // "--backend"
  std::string metavar;  // "NAME"; empty for a boolean switch
  std::string help;
  bool repeatable = false;
  std::string shortName;  // "-o": a one-dash alias, stored under `name`
};

struct CommandSpec {
  std::string name;        // "run"
  std::string positional;  // "MODEL" (shown in usage); empty: none
  int minPositional = 0, maxPositional = 0;
  std::string summary;
  std::vector<FlagSpec> flags;
  std::string details;  // extra paragraphs for --help
};

class ParsedArgs {
 public:
  std::vector<std::string> positional;
  bool has(const std::string& flag) const { return values_.count(flag) != 0; }
  std::optional<std::string> get(const std::string& flag) const;
  std::vector<std::string> getAll(const std::string& flag) const;
  void add(const std::string& flag, std::string v) { values_[flag].push_back(std::move(v)); }

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

// Accepts "--flag value" and "--flag=value"; "--help"/"-h" is handled by the
// caller (see wantsHelp). Errors name the flag.
Expected<ParsedArgs> parseArgs(const CommandSpec& spec, const std::vector<std::string>& args);
bool wantsHelp(const std::vector<std::string>& args);
std::string formatHelp(const CommandSpec& spec);

// "2x3x4" -> {2,3,4}; "" or "scalar" -> {}.
Expected<Shape> parseDims(const std::string& text);
// "NAME=VALUE" -> (NAME, VALUE), naming the flag in errors.
Expected<std::pair<std::string, std::string>> splitAssignment(const std::string& flag, const std::string& text);
Expected<int64_t> parseInt(const std::string& flag, const std::string& text, int64_t min, int64_t max);
// A finite number ("1e-3", "0.9"), naming the flag in errors.
Expected<double> parseDouble(const std::string& flag, const std::string& text);

}  // namespace ingot::cli
