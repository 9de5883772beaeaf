// `ingot run` and `ingot inspect` on compiled artifacts (runtime/Artifact.h):
// the same commands as for model files, through the runtime's loader (no
// compilation), so what they report is what an embedding application gets.
#pragma once

#include <string>

#include "runtime/LoadedModel.h"
#include "tools/cli/Backends.h"
#include "tools/cli/Cli.h"

namespace ingot::cli {

// Whether the file starts with the artifact magic (unreadable: false; the
// model loader then reports the error).
bool isArtifactFile(const std::string& path);

// The code loaders of the backends this build's runtime can load.
rt::CodeLoaders artifactCodeLoaders();

// An artifact loaded onto the device the flags name (--backend, --threads;
// default: the first of its backends with a device here), with the session
// of entry point --entry (default infer).
struct OpenedArtifact {
  std::shared_ptr<const rt::ArtifactContents> artifact;
  OpenDevice device;
  std::unique_ptr<rt::LoadedModel> model;
  rt::Session* session = nullptr;
  std::string entry;
  double readMs = 0, loadMs = 0;  // read and check the file; load the code and create the session
};
Expected<OpenedArtifact> openArtifact(const ParsedArgs& args, const std::string& path);

int runArtifact(const ParsedArgs& args, CliIO& io);
int inspectArtifact(const ParsedArgs& args, CliIO& io);

}  // namespace ingot::cli
