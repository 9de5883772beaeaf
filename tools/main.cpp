#include <unistd.h>

#include <iostream>

#include "tools/cli/Cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  ingot::cli::CliIO io{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1};
  return ingot::cli::runCli(args, io);
}
