// Training as a graph transformation: from an inference graph (one input x,
// one output y) build ONE graph that does a whole training step, so fusion,
// lowering and memory planning see forward, loss, backward and optimizer
// update together, and a backend compiles it into one program.
//
// The training-step graph has
//   inputs   x (as in the model) and `labels`:
//              cross-entropy, cross-entropy-logits: i64[N], class indices;
//              mse, bce: the dtype and shape of y;
//   outputs  `loss`    (a scalar of y's dtype; the mean over the batch: over
//                       samples for cross-entropy, over all elements of y
//                       for mse and bce, as PyTorch's losses with
//                       reduction="mean"),
//            `correct` (i64 scalar):
//              cross-entropy*: samples with argmax(y) == label;
//              bce: elements with (y > 0.5) == (label > 0.5) (Keras'
//                   binary accuracy; divide by the element count);
//              mse: samples with argmax(y) == argmax(label) when y is
//                   [N, C] with C > 1 (one-hot targets), else always 0;
//   state updates (ir/Graph.h) for every trainable parameter and every
//            optimizer moment: parameters named `<param>.m` (SGD's momentum
//            buffer, Adam's first moment) and `<param>.v` (Adam's second
//            moment), zero-initialized and frozen (no gradient), and for
//            Adam/AdamW one f64 scalar `optimizer.step` counting steps so
//            the bias correction is exact (1 - beta^step in f64).
//
// Losses. `cross-entropy` takes probabilities, the Keras form (the model ends
// in Softmax; labels are class indices). It is rewritten into the stable form:
// the Softmax's input s is used as logits, loss = NegativeLogLikelihoodLoss(
// LogSoftmax(s)), so no log of a rounded probability is taken.
// `cross-entropy-logits` takes y as the logits. `mse` is mean((y - t)^2).
// `bce` is -mean(t log p + (1 - t) log(1 - p)) with each log clamped to
// >= -100 like PyTorch's BCELoss; p (and 1 - p) are first clamped to the
// smallest normal float of the dtype (or e^-100 if larger), which keeps the
// gradient finite where p is 0 (PyTorch's BCELoss differs from this only for
// p below 1.2e-38 in f32).
//
// Optimizers, as PyTorch 1.13 defines them (single-tensor path):
//   SGD:   g = grad + wd * p; if momentum: m = momentum * m + g (dampening 0:
//          PyTorch's first step m = g is the same from m = 0), g = nesterov ?
//          g + momentum * m : m; p = p - lr * g.
//   Adam:  step += 1; g = grad + wd * p; m = beta1 m + (1 - beta1) g;
//          v = beta2 v + (1 - beta2) g^2; p = p - lr / (1 - beta1^step) *
//          m / (sqrt(v) / sqrt(1 - beta2^step) + eps) (the division by the
//          scalar sqrt(1 - beta2^step) is done as a multiplication by its
//          reciprocal, computed in f64).
//   AdamW: p = p * (1 - lr * wd) first (decoupled decay), then Adam with
//          g = grad.
//   Adam and AdamW are one AdamUpdate node per parameter (ir/ops/
//   OptimizerOps.cpp: one pass over parameter, gradient and moments, three
//   results); SGD is ordinary elementwise ops.
//
// Errors (InvalidInput, saying what was expected): a model without exactly
// one input and one float output, an output whose shape does not fit the
// loss, cross-entropy on probabilities when y does not come from a Softmax
// over its class axis, no trainable parameter, invalid optimizer settings.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ir/Graph.h"
#include "support/Status.h"

namespace ingot::passes {

enum class LossKind { CrossEntropy, CrossEntropyLogits, MeanSquaredError, BinaryCrossEntropy };
// "cross-entropy", "cross-entropy-logits", "mse", "bce".
Expected<LossKind> parseLossKind(std::string_view name);
std::string_view lossKindName(LossKind k);

enum class OptimizerKind { Sgd, Adam, AdamW };
std::string_view optimizerKindName(OptimizerKind k);

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::Adam;
  double lr = 1e-3;
  double momentum = 0;   // SGD
  bool nesterov = false;  // SGD; needs momentum > 0
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // Adam, AdamW
  double weightDecay = 0;  // SGD, Adam: L2 added to the gradient; AdamW: decoupled
};
// PyTorch's defaults for "sgd" (lr 0.01), "momentum" (SGD with momentum 0.9),
// "adam" (lr 1e-3) and "adamw" (lr 1e-3, weight decay 0.01).
Expected<OptimizerOptions> optimizerPreset(std::string_view name);
Status validateOptimizerOptions(const OptimizerOptions& o);

struct TrainingOptions {
  LossKind loss = LossKind::CrossEntropy;
  OptimizerOptions optimizer;
};

// A built step and the names a trainer addresses in it (a model value that
// already had one of the names makes the step use a fresh one).
struct StepGraph {
  std::unique_ptr<ir::Graph> graph;
  std::string input, labels, loss, correct;
  std::vector<std::string> params;  // the trained parameters (state), in graph order
  std::vector<std::string> state;   // every updated parameter: params, moments, step count
};

// The training step: forward, loss, backward, optimizer update (see above).
// Which parameters train is Value::trainable() (trainableParams).
Expected<StepGraph> buildTrainingStep(const ir::Graph& model, const TrainingOptions& options);
// The same forward pass, loss and `correct`, without gradients or updates.
Expected<StepGraph> buildEvalStep(const ir::Graph& model, LossKind loss);

}  // namespace ingot::passes
