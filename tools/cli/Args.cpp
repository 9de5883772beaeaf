#include "tools/cli/Args.h"

#include <charconv>
#include <cmath>

namespace ingot::cli {

std::optional<std::string> ParsedArgs::get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::getAll(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool wantsHelp(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

Expected<ParsedArgs> parseArgs(const CommandSpec& spec, const std::vector<std::string>& args) {
  ParsedArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const FlagSpec* shortFlag = nullptr;
    for (const auto& f : spec.flags)
      if (!f.shortName.empty() && f.shortName == a) shortFlag = &f;
    if (shortFlag) {
      if (shortFlag->metavar.empty()) {
        out.add(shortFlag->name, "1");
      } else {
        if (i + 1 >= args.size())
          return invalidInput("ingot {}: option '{}' needs a value ({})", spec.name, a, shortFlag->metavar);
        out.add(shortFlag->name, args[++i]);
      }
      if (!shortFlag->repeatable && out.getAll(shortFlag->name).size() > 1)
        return invalidInput("ingot {}: option '{}' given more than once", spec.name, shortFlag->name);
      continue;
    }
    if (a.size() < 2 || a.substr(0, 2) != "--") {
      if (a.size() > 1 && a[0] == '-' && !(a[1] >= '0' && a[1] <= '9'))
        return invalidInput("ingot {}: unknown option '{}' (see ingot {} --help)", spec.name, a, spec.name);
      out.positional.push_back(a);
      continue;
    }
    std::string name = a, value;
    bool inlineValue = false;
    if (size_t eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      inlineValue = true;
    }
    const FlagSpec* flag = nullptr;
    for (const auto& f : spec.flags)
      if (f.name == name) flag = &f;
    if (!flag) return invalidInput("ingot {}: unknown option '{}' (see ingot {} --help)", spec.name, name, spec.name);
    if (flag->metavar.empty()) {
      if (inlineValue) return invalidInput("ingot {}: option '{}' takes no value", spec.name, name);
      out.add(name, "1");
    } else {
      if (!inlineValue) {
        if (i + 1 >= args.size())
          return invalidInput("ingot {}: option '{}' needs a value ({})", spec.name, name, flag->metavar);
        value = args[++i];
      }
      out.add(name, value);
    }
    if (!flag->repeatable && out.getAll(name).size() > 1)
      return invalidInput("ingot {}: option '{}' given more than once", spec.name, name);
  }
  int n = static_cast<int>(out.positional.size());
  if (n < spec.minPositional)
    return invalidInput("ingot {}: missing {} (usage: ingot {} {}{})", spec.name, spec.positional, spec.name,
                        spec.positional, spec.flags.empty() ? "" : " [options]");
  if (n > spec.maxPositional)
    return invalidInput("ingot {}: unexpected argument '{}'", spec.name, out.positional[spec.maxPositional]);
  return out;
}

std::string formatHelp(const CommandSpec& spec) {
  std::string out = fmt::format("usage: ingot {}{}{}\n\n{}\n", spec.name,
                                spec.positional.empty() ? "" : " " + spec.positional,
                                spec.flags.empty() ? "" : " [options]", spec.summary);
  if (!spec.flags.empty()) {
    out += "\noptions:\n";
    size_t width = 0;
    auto left = [](const FlagSpec& f) {
      return (f.shortName.empty() ? "" : f.shortName + ", ") + f.name + (f.metavar.empty() ? "" : " " + f.metavar);
    };
    for (const auto& f : spec.flags) width = std::max(width, left(f).size());
    for (const auto& f : spec.flags) {
      out += fmt::format("  {:<{}}  {}{}\n", left(f), width, f.help, f.repeatable ? " (repeatable)" : "");
    }
    out += fmt::format("  {:<{}}  {}\n", "--help", width, "show this help");
  }
  if (!spec.details.empty()) out += "\n" + spec.details + "\n";
  return out;
}

Expected<int64_t> parseInt(const std::string& flag, const std::string& text, int64_t min, int64_t max) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size())
    return invalidInput("{}: '{}' is not an integer", flag, text);
  if (v < min || v > max) return invalidInput("{}: {} is out of range [{}, {}]", flag, v, min, max);
  return v;
}

Expected<double> parseDouble(const std::string& flag, const std::string& text) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v))
    return invalidInput("{}: '{}' is not a finite number", flag, text);
  return v;
}

Expected<Shape> parseDims(const std::string& text) {
  Shape s;
  if (text.empty() || text == "scalar") return s;
  size_t start = 0;
  while (start <= text.size()) {
    size_t x = text.find('x', start);
    std::string part = text.substr(start, x == std::string::npos ? std::string::npos : x - start);
    auto d = parseInt("dimension", part, 0, int64_t(1) << 40);
    if (!d.ok()) return invalidInput("bad shape '{}': expected dims like 2x3x4 ({})", text, d.status().message());
    s.push_back(*d);
    if (x == std::string::npos) break;
    start = x + 1;
  }
  return s;
}

Expected<std::pair<std::string, std::string>> splitAssignment(const std::string& flag, const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    return invalidInput("{}: expected NAME=VALUE, got '{}'", flag, text);
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
}

}  // namespace ingot::cli
