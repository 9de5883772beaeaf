// `ingot run` and `ingot inspect` on compiled artifacts (runtime/Artifact.h):
// the same commands as for model files, through the runtime's loader (no
// compilation), so what they report is what an embedding application gets.
#pragma once

#include <string>

#include "runtime/LoadedModel.h"
#include "tools/cli/Cli.h"

namespace ingot::cli {

// Whether the file starts with the artifact magic (unreadable: false; the
// model loader then reports the error).
bool isArtifactFile(const std::string& path);

// The code loaders of the backends this build's runtime can load.
rt::CodeLoaders artifactCodeLoaders();

int runArtifact(const ParsedArgs& args, CliIO& io);
int inspectArtifact(const ParsedArgs& args, CliIO& io);

}  // namespace ingot::cli
