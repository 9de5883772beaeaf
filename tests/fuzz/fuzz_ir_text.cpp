// libFuzzer target: the text IR (ir/TextParser.h), the second model file
// format (`.ingot.txt`, `.ir`), on arbitrary bytes, and what the CLI does
// next with a parsed model: the verifier (ir/Verifier.h), which runs every
// op's type rule on the attributes it was given. A parsed graph must also
// round-trip as ir/TextPrinter.h promises, whether or not it verifies:
// print, parse the printed text (which must succeed) and print again, byte
// for byte the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.h"
#include "ir/TextParser.h"
#include "ir/TextPrinter.h"
#include "ir/Verifier.h"

namespace ingot::fuzz {
namespace {

void checkRoundTrip(const ir::Graph& g) {
  const std::string printed = ir::printGraph(g);
  auto again = ir::parseGraph(printed, "printed.ingot.txt");
  if (!again.ok()) fail("printGraph -> parseGraph", "the printed graph does not parse: " + again.status().message());
  const std::string reprinted = ir::printGraph(**again);
  if (reprinted != printed)
    fail("printGraph -> parseGraph -> printGraph", "not byte-identical:\n" + printed + "\n----\n" + reprinted);
}

void checkText(std::string_view text) {
  auto graph = ir::parseGraph(text, "fuzz.ingot.txt");
  if (!graph.ok()) return checkError(graph.status(), "parseGraph");
  if (!*graph) fail("parseGraph", "success without a graph");
  checkError(ir::verifyGraph(**graph), "verifyGraph");
  checkRoundTrip(**graph);
}

}  // namespace
}  // namespace ingot::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ingot::fuzz::checkText(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
