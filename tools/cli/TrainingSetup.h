// What `ingot train` and `ingot eval` share: the model as a function of the
// batch size (each step is compiled for one), the loss chosen from the flags
// or the model, and the data set named by --data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "passes/TrainingStep.h"
#include "tools/cli/Args.h"
#include "tools/data/Dataset.h"
#include "tools/train/StepRunner.h"

namespace ingot::cli {

struct TrainableModel {
  train::ModelAtBatch atBatch;
  // The model loaded once (at batch 1, or a text model's static batch), so
  // that its errors come before any data is read.
  std::unique_ptr<ir::Graph> probe;
};

// Loads MODEL at any batch size; `freeze` names parameters that stay fixed
// (errors list the model's parameters when a name is not one of them).
Expected<TrainableModel> loadTrainableModel(const std::string& path, const std::vector<std::string>& freeze);

// --loss NAME, or the model's natural loss (train::defaultLossFor): for
// float targets (`floatTargets`, regression data) mse unless the model ends
// in a one-column Sigmoid (bce).
Expected<passes::LossKind> chooseLoss(const ParsedArgs& args, const ir::Graph& model, bool floatTargets = false);

// --train OPTIMIZER [--loss NAME] or --train LOSS,OPTIMIZER (compile,
// bench): the optimizer and loss, or nullopt without --train.
Expected<std::optional<passes::TrainingOptions>> trainingOptionsFromFlags(const ParsedArgs& args,
                                                                         const ir::Graph& model);
// The same, built into the training step of
// `model`, or nullopt without --train (--loss alone is an error).
Expected<std::optional<passes::StepGraph>> trainingStepFromFlags(const ParsedArgs& args, const ir::Graph& model);

// --data SPEC (required).
Expected<data::Dataset> loadData(const ParsedArgs& args);

}  // namespace ingot::cli
