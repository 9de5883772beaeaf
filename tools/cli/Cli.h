// The `ingot` command line: a table of subcommands, each with its flag spec
// and handler. Exit codes: 0 success, 1 a run or test failed, 2 bad usage or
// bad input.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "support/Status.h"
#include "tools/cli/Args.h"

namespace ingot::cli {

enum ExitCode { kExitOk = 0, kExitFailure = 1, kExitBadInput = 2 };

struct CliIO {
  std::ostream& out;
  std::ostream& err;
  // Whether `out` is a terminal: progress bars redraw one line there and
  // print plain lines otherwise (logs, pipes, tests).
  bool outIsTerminal = false;
};

struct Command {
  CommandSpec spec;
  std::function<int(const ParsedArgs&, CliIO&)> run;
};

// Reports a failed status on err and returns its exit code.
int reportError(const Status& s, CliIO& io);
int exitCodeFor(const Status& s);

// The command table entries, one per file.
Command inspectCommand();
Command runCommand();
Command devicesCommand();
Command conformanceCommand();
Command optCommand();
Command compileCommand();
Command initCommand();
Command trainCommand();
Command evalCommand();
Command benchCommand();

int runCli(const std::vector<std::string>& args, CliIO& io);

}  // namespace ingot::cli
