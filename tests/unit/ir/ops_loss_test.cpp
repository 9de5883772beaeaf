// Loss family: NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss. Expected
// values from torch.nn.functional (float64), snippets in comments:
//   import numpy as np, torch, torch.nn.functional as F
//   X = torch.tensor([[-1.2,-0.3,-2.0,-0.7],[0.5,-1.5,-0.1,-3.0],[-0.4,-0.9,-1.1,0.2]], dtype=torch.float64)
//   T = torch.tensor([1, 0, 3]); W = torch.tensor([0.5, 2.0, 1.0, 3.0], dtype=torch.float64)
//   S = torch.tensor([[[1.0,-2.0],[0.5,3.0],[-1.0,0.0]],[[2.0,2.0],[-0.5,1.0],[0.25,-3.0]]], dtype=torch.float64)
//   TS = torch.tensor([[2, 0], [1, 1]]); WS = torch.tensor([1.0, 0.5, 2.0], dtype=torch.float64)
#include "ops_test_util.h"

using namespace ingot;
using namespace ingot::ir;
using namespace ingot::ir::testing;

namespace {
Tensor nllInput() { return f64({3, 4}, {-1.2, -0.3, -2.0, -0.7, 0.5, -1.5, -0.1, -3.0, -0.4, -0.9, -1.1, 0.2}); }
Tensor nllWeight() { return f64({4}, {0.5, 2.0, 1.0, 3.0}); }
Tensor sceScores() { return f64({2, 3, 2}, {1.0, -2.0, 0.5, 3.0, -1.0, 0.0, 2.0, 2.0, -0.5, 1.0, 0.25, -3.0}); }
Tensor sceWeight() { return f64({3}, {1.0, 0.5, 2.0}); }
}  // namespace

TEST_CASE("NegativeLogLikelihoodLoss reductions") {
  const Tensor target = i64({3}, {1, 0, 3});
  // F.nll_loss(X, T, reduction='none')
  checkTensor(run1("NegativeLogLikelihoodLoss", {nllInput(), target}, {{"reduction", "none"}}), DType::F64, {3},
              {0.3, -0.5, -0.2}, 1e-12);
  // F.nll_loss(X, T, reduction='sum')
  checkTensor(run1("NegativeLogLikelihoodLoss", {nllInput(), target}, {{"reduction", "sum"}}), DType::F64, {},
              {-0.39999999999999997}, 1e-12);
  // F.nll_loss(X, T)  (mean is the default)
  checkTensor(run1("NegativeLogLikelihoodLoss", {nllInput(), target}), DType::F64, {}, {-0.13333333333333333},
              1e-12);
  CHECK(opNamed("NegativeLogLikelihoodLoss").numResults == 1);
  // A reduction over the batch (its [N, C] form has a loop-level rule).
  CHECK(opNamed("NegativeLogLikelihoodLoss").fusion == FusionClass::Reduction);
}

TEST_CASE("NegativeLogLikelihoodLoss with weights divides the mean by the weight sum") {
  const Tensor target = i64({3}, {1, 0, 3});
  // F.nll_loss(X, T, W, reduction='none')
  checkTensor(run1("NegativeLogLikelihoodLoss", {nllInput(), target, nllWeight()}, {{"reduction", "none"}}),
              DType::F64, {3}, {0.6, -0.25, -0.6000000000000001}, 1e-12);
  // F.nll_loss(X, T, W) = -0.25 / 5.5
  checkTensor(run1("NegativeLogLikelihoodLoss", {nllInput(), target, nllWeight()}), DType::F64, {},
              {-0.04545454545454548}, 1e-12);
  // f32 with i32 targets: F.nll_loss(X.float(), T, W.float(), reduction='sum')
  const Tensor x32 = f32({3, 4}, {-1.2f, -0.3f, -2.0f, -0.7f, 0.5f, -1.5f, -0.1f, -3.0f, -0.4f, -0.9f, -1.1f, 0.2f});
  checkTensor(run1("NegativeLogLikelihoodLoss", {x32, i32({3}, {1, 0, 3}), f32({4}, {0.5f, 2, 1, 3})},
                   {{"reduction", "sum"}}),
              DType::F32, {}, {-0.25}, 1e-6);
}

TEST_CASE("NegativeLogLikelihoodLoss ignore_index, including negative ones") {
  // F.nll_loss(X, torch.tensor([-1, 0, 3]), W, ignore_index=-1): -0.85 / 3.5
  checkTensor(run1("NegativeLogLikelihoodLoss", {nllInput(), i64({3}, {-1, 0, 3}), nllWeight()},
                   {{"ignore_index", -1}}),
              DType::F64, {}, {-0.24285714285714288}, 1e-12);
  // F.nll_loss(X, torch.tensor([1, -1, 3]), ignore_index=-1, reduction='none')
  checkTensor(run1("NegativeLogLikelihoodLoss", {nllInput(), i64({3}, {1, -1, 3})},
                   {{"ignore_index", -1}, {"reduction", "none"}}),
              DType::F64, {3}, {0.3, 0.0, -0.2}, 1e-12);
  // A valid class can be ignored too: F.nll_loss(X, T, ignore_index=0)
  checkTensor(run1("NegativeLogLikelihoodLoss", {nllInput(), i64({3}, {1, 0, 3})}, {{"ignore_index", 0}}),
              DType::F64, {}, {0.04999999999999999}, 1e-12);
  // Everything ignored: mean is 0/0 (NaN, as in the ONNX reference and torch).
  checkTensor(run1("NegativeLogLikelihoodLoss", {nllInput(), i64({3}, {2, 2, 2})}, {{"ignore_index", 2}}),
              DType::F64, {}, {std::nan("")});
}

TEST_CASE("NegativeLogLikelihoodLoss rejects out-of-range targets") {
  // Class 4 of 4 classes.
  checkError(runOp("NegativeLogLikelihoodLoss", {nllInput(), i64({3}, {1, 0, 4})}), ErrorKind::InvalidInput,
             {"NegativeLogLikelihoodLoss", "target[2] = 4", "[0, 4)"});
  // Negative without a matching ignore_index.
  checkError(runOp("NegativeLogLikelihoodLoss", {nllInput(), i32({3}, {1, -1, 0})}, {{"ignore_index", -2}}),
             ErrorKind::InvalidInput, {"NegativeLogLikelihoodLoss", "target[1] = -1"});
  checkError(runOp("SoftmaxCrossEntropyLoss", {sceScores(), i64({2, 2}, {2, 0, 3, 1})}), ErrorKind::InvalidInput,
             {"SoftmaxCrossEntropyLoss", "target[2] = 3", "[0, 3)"});
}

TEST_CASE("Loss type rules") {
  checkError(inferOp("NegativeLogLikelihoodLoss", {TensorType{DType::F32, {2, 3, 4}}, TensorType{DType::I64, {2, 3}}}),
             ErrorKind::InvalidInput, {"target must have shape [2,4]"});
  checkError(inferOp("NegativeLogLikelihoodLoss", {TensorType{DType::F32, {2, 3}}, TensorType{DType::F32, {2}}}),
             ErrorKind::InvalidInput, {"target"});
  checkError(inferOp("NegativeLogLikelihoodLoss",
                     {TensorType{DType::F32, {2, 3}}, TensorType{DType::I64, {2}}, TensorType{DType::F32, {2}}}),
             ErrorKind::InvalidInput, {"must have shape [3]"});
  checkError(inferOp("SoftmaxCrossEntropyLoss", {TensorType{DType::F32, {2, 3}}, TensorType{DType::I64, {2}}},
                     {{"reduction", "max"}}),
             ErrorKind::InvalidInput, {"reduction", "max"});
  checkError(inferOp("SoftmaxCrossEntropyLoss", {TensorType{DType::F32, {3}}, TensorType{DType::I64, {}}}),
             ErrorKind::InvalidInput, {"rank 2 or more"});
  auto types = inferOp("SoftmaxCrossEntropyLoss", {TensorType{DType::F32, {2, 3, 5}}, TensorType{DType::I32, {2, 5}}},
                       {{"reduction", "none"}});
  REQUIRE(types.ok());
  REQUIRE(types->size() == 2);
  CHECK((*types)[0].shape == Shape{2, 5});
  CHECK((*types)[1].shape == Shape{2, 3, 5});
}

TEST_CASE("SoftmaxCrossEntropyLoss on k-dim targets yields loss and log_prob") {
  const Tensor target = i64({2, 2}, {2, 0, 1, 1});
  // F.cross_entropy(S, TS, reduction='none'); F.log_softmax(S, dim=1)
  auto none = runOp("SoftmaxCrossEntropyLoss", {sceScores(), target}, {{"reduction", "none"}});
  INFO(none.status().message());
  REQUIRE(none.ok());
  REQUIRE(none->size() == 2);
  checkTensor((*none)[0], DType::F64, {2, 2},
              {2.554956919641991, 5.054985235377147, 2.727819754473424, 1.3181754292474541}, 1e-12);
  checkTensor((*none)[1], DType::F64, {2, 3, 2},
              {-0.5549569196419906, -5.054985235377147, -1.0549569196419906, -0.05498523537714723,
               -2.554956919641991, -3.0549852353771474, -0.22781975447342392, -0.318175429247454, -2.727819754473424,
               -1.3181754292474541, -1.977819754473424, -5.318175429247454},
              1e-12);
  // F.cross_entropy(S, TS, WS) and reduction='sum'
  checkTensor(run1("SoftmaxCrossEntropyLoss", {sceScores(), target, sceWeight()}), DType::F64, {},
              {3.046974166630392}, 1e-12);
  checkTensor(run1("SoftmaxCrossEntropyLoss", {sceScores(), target, sceWeight()}, {{"reduction", "sum"}}),
              DType::F64, {}, {12.187896666521567}, 1e-12);
  // F.cross_entropy(S, torch.tensor([[2, -5], [1, 1]]), WS, ignore_index=-5)
  checkTensor(run1("SoftmaxCrossEntropyLoss", {sceScores(), i32({2, 2}, {2, -5, 1, 1}), sceWeight()},
                   {{"ignore_index", -5}}),
              DType::F64, {}, {2.3776371437148067}, 1e-12);
  CHECK(opNamed("SoftmaxCrossEntropyLoss").numResults == 2);
}

TEST_CASE("SoftmaxCrossEntropyLoss is stable for large scores") {
  // F.cross_entropy(torch.tensor([[1000., 1001., 999.]]), torch.tensor([1]), reduction='none')
  auto out = runOp("SoftmaxCrossEntropyLoss", {f32({1, 3}, {1000, 1001, 999}), i64({1}, {1})},
                   {{"reduction", "none"}});
  REQUIRE(out.ok());
  checkTensor((*out)[0], DType::F32, {1}, {0.4076059644443804}, 1e-6);
  checkTensor((*out)[1], DType::F32, {1, 3}, {-1.4076059644443804, -0.4076059644443804, -2.4076059644443806}, 1e-6);
}
