// The conformance runners: the op table on every backend against the
// reference interpreter, and the official ONNX node tests through the
// importer against their expected outputs, with an expected-failures list.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "support/Status.h"
#include "tools/cli/Backends.h"

namespace ingot::conformance {

enum class Outcome {
  Pass,
  Fail,            // wrong result or an error
  Unsupported,     // an op, dtype or input kind ingot does not handle
  ExpectedFailure, // failed or unsupported, and listed with a reason
  UnexpectedPass,  // listed as failing but passed: the list must be updated
};
std::string_view outcomeName(Outcome o);

struct CaseResult {
  std::string suite;  // "ops" or "onnx"
  std::string name;
  std::string backend;
  Outcome outcome = Outcome::Pass;
  std::string category;  // for failures: unsupported-op, unsupported-dtype, unsupported-type, known-bug
  std::string message;
};

// One line of the expected-failures file:
//   CASE <tab> BACKENDS <tab> CATEGORY <tab> REASON
// BACKENDS is "all" or a comma-separated list; '#' starts a comment line.
struct ExpectedFailure {
  std::string caseName;
  std::vector<std::string> backends;  // empty: all
  std::string category;
  std::string reason;
  bool appliesTo(const std::string& backend) const;
};
Expected<std::map<std::string, ExpectedFailure>> loadExpectedFailures(const std::string& path);

std::vector<CaseResult> runOpCases(const std::vector<cli::OpenDevice>& devices, const std::string& filter);

// `dir` holds one folder per case (model.onnx, test_data_set_0/).
Expected<std::vector<CaseResult>> runOnnxNodeTests(const std::string& dir,
                                                   const std::vector<cli::OpenDevice>& devices,
                                                   const std::map<std::string, ExpectedFailure>& xfail,
                                                   const std::string& filter);

// Writes an expected-failures file listing every non-passing case with its
// category and first error line (a starting point that a maintainer edits).
Status writeExpectedFailures(const std::string& path, const std::vector<CaseResult>& results);

}  // namespace ingot::conformance
