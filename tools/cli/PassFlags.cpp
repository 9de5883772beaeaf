#include "tools/cli/PassFlags.h"

#include "passes/PassManager.h"

namespace ingot::cli {

Expected<std::set<std::string, std::less<>>> printAfterPasses(const ParsedArgs& args) {
  std::set<std::string, std::less<>> names;
  for (const std::string& v : args.getAll("--print-after")) {
    INGOT_ASSIGN_OR_RETURN(std::vector<std::string> list, passes::parsePassList(v));
    names.insert(list.begin(), list.end());
  }
  return names;
}

}  // namespace ingot::cli
