#include <iostream>

#include "tools/cli/Cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  ingot::cli::CliIO io{std::cout, std::cerr};
  return ingot::cli::runCli(args, io);
}
