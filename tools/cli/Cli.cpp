#include "tools/cli/Cli.h"

#include <ostream>

namespace ingot::cli {

int exitCodeFor(const Status& s) {
  if (s.isOk()) return kExitOk;
  switch (s.kind()) {
    case ErrorKind::InvalidInput:
    case ErrorKind::Unsupported: return kExitBadInput;
    case ErrorKind::Internal:
    case ErrorKind::Runtime: return kExitFailure;
  }
  return kExitFailure;
}

int reportError(const Status& s, CliIO& io) {
  io.err << "ingot: error: " << s.message() << "\n";
  return exitCodeFor(s);
}

namespace {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {inspectCommand(), runCommand(), devicesCommand(),
                                             conformanceCommand(), optCommand(), compileCommand(), initCommand(),
                                             trainCommand(), evalCommand(), benchCommand()};
  return table;
}

std::string topLevelHelp() {
  std::string out =
      "usage: ingot COMMAND [options]\n\n"
      "ingot compiles neural-network models (ONNX or ingot's text IR) for the CPU,\n"
      "Vulkan and OpenCL devices, and runs them.\n\ncommands:\n";
  for (const auto& c : commands()) out += fmt::format("  {:<12} {}\n", c.spec.name, c.spec.summary);
  out += "\nRun 'ingot COMMAND --help' for a command's options.\n"
         "Exit codes: 0 success, 1 a run or test failed, 2 bad usage or bad input.\n";
  return out;
}

}  // namespace

int runCli(const std::vector<std::string>& args, CliIO& io) {
  if (args.empty()) {
    io.err << topLevelHelp();
    return kExitBadInput;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    io.out << topLevelHelp();
    return kExitOk;
  }
  if (args[0] == "--version") {
    io.out << "ingot 0.1.0\n";
    return kExitOk;
  }
  for (const auto& c : commands()) {
    if (c.spec.name != args[0]) continue;
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (wantsHelp(rest)) {
      io.out << formatHelp(c.spec);
      return kExitOk;
    }
    auto parsed = parseArgs(c.spec, rest);
    if (!parsed.ok()) return reportError(parsed.status(), io);
    return c.run(*parsed, io);
  }
  io.err << fmt::format("ingot: unknown command '{}'\n\n", args[0]) << topLevelHelp();
  return kExitBadInput;
}

}  // namespace ingot::cli
