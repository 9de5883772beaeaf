// `ingot compile MODEL --target llvm -o model.ingot`: the entry points of an
// artifact (runtime/Artifact.h) compiled for each requested target.
//   infer        the model
//   train_step   with --train: forward, loss, gradients, optimizer update
//   eval_step    with --train: forward and loss, no update
// The training entries share their state (weights, moments) by name.
#pragma once

#include <string>
#include <vector>

#include "ir/Graph.h"
#include "runtime/Artifact.h"
#include "tools/cli/Args.h"

namespace ingot::cli {

// The backends an artifact can carry code for, for --help and errors.
std::string artifactTargetNames();

// Compiles `model` (loaded from `path`) per the flags: --target (default
// llvm), --cpu, --train/--loss.
Expected<rt::ArtifactContents> buildArtifact(const ParsedArgs& args, const ir::Graph& model, const std::string& path);

}  // namespace ingot::cli
