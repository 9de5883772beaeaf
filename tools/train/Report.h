// What `ingot train` writes besides the model: the per-epoch metrics as JSON
// (--json) and a plot of loss and accuracy per epoch as SVG (--plot).
#pragma once

#include <string>
#include <vector>

#include "passes/TrainingStep.h"
#include "tools/train/Trainer.h"

namespace ingot::train {

// One training run as the CLI configured it, and its results so far.
struct TrainingRecord {
  std::string model, data, backend, device, output;
  passes::LossKind loss = passes::LossKind::CrossEntropy;
  passes::OptimizerOptions optimizer;
  int64_t batch = 0, epochs = 0, stepsPerEpoch = 0, trainSamples = 0, testSamples = 0;
  uint64_t seed = 0;
  bool shuffle = true;
  // False for regression (mse on one column or on float targets): the
  // accuracies are then null in the JSON and absent from the plot.
  bool hasAccuracy = true;
  double compileSeconds = 0;
  std::vector<EpochResult> results;
  std::string stopped;  // why training stopped early, if it did
};

// One JSON object: the configuration, then "epochs": [{epoch, loss,
// accuracy, test_loss, test_accuracy, seconds, run_seconds (in the compiled
// step), samples_per_s, step_ms}, ...]
// (test_* are null without a test split), then "stopped" (null or why).
std::string trainingJson(const TrainingRecord& r);

// Two panels (loss, accuracy) with the training and test curves per epoch.
std::string trainingPlotSvg(const TrainingRecord& r);

}  // namespace ingot::train
