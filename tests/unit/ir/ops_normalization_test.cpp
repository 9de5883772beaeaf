// Normalization family: LayerNormalization, RMSNormalization,
// BatchNormalization, InstanceNormalization, GroupNormalization. Expected
// values from numpy (float64), snippets in comments.
#include "ops_test_util.h"

using namespace ingot;
using namespace ingot::ir;
using namespace ingot::ir::testing;

namespace {
// x = np.array([[1,2,3],[4,6,8]], dtype=np.float64)
Tensor layerInput() { return f64({2, 3}, {1, 2, 3, 4, 6, 8}); }
}  // namespace

TEST_CASE("LayerNormalization yields Y, Mean and InvStdDev") {
  // m = x.mean(-1, keepdims=True); v = x.var(-1, keepdims=True); inv = 1/np.sqrt(v + 1e-5)
  // y = (x - m) * inv * [1, 2, 0.5] + [0, 1, -1]
  auto out = runOp("LayerNormalization", {layerInput(), f64({3}, {1, 2, 0.5}), f64({3}, {0, 1, -1})});
  INFO(out.status().message());
  REQUIRE(out.ok());
  REQUIRE(out->size() == 3);
  checkTensor((*out)[0], DType::F64, {2, 3},
              {-1.2247356859083902, 1.0, -0.3876321570458049, -1.2247425750014138, 1.0, -0.3876287124992931}, 1e-12);
  checkTensor((*out)[1], DType::F64, {2, 1}, {2.0, 6.0});
  checkTensor((*out)[2], DType::F64, {2, 1}, {1.2247356859083902, 0.6123712875007069}, 1e-12);
  // axis 0 normalizes everything: mean 4, inv = 1/sqrt(x.var() + 1e-5)
  auto all = runOp("LayerNormalization", {layerInput(), f64({2, 3}, {1, 1, 1, 1, 1, 1})}, {{"axis", 0}});
  REQUIRE(all.ok());
  checkTensor((*all)[0], DType::F64, {2, 3},
              {-1.260250963639555, -0.8401673090930366, -0.4200836545465183, 0.0, 0.8401673090930366,
               1.6803346181860732},
              1e-12);
  checkTensor((*all)[1], DType::F64, {1, 1}, {4.0});
  checkTensor((*all)[2], DType::F64, {1, 1}, {0.4200836545465183}, 1e-12);
  CHECK(opNamed("LayerNormalization").numResults == 3);
  checkError(inferOp("LayerNormalization", {TensorType{DType::F32, {2, 3}}, TensorType{DType::F32, {4}}}),
             ErrorKind::InvalidInput, {"does not broadcast"});
}

TEST_CASE("RMSNormalization divides by the root mean square") {
  // x / np.sqrt((x*x).mean(-1, keepdims=True) + 1e-5) * [1, 2, 0.5]
  checkTensor(run1("RMSNormalization", {layerInput(), f64({3}, {1, 2, 0.5})}), DType::F64, {2, 3},
              {0.4629095539120194, 1.8516382156480775, 0.6943643308680291, 0.6432674377215482, 1.9298023131646445,
               0.6432674377215482},
              1e-12);
}

TEST_CASE("BatchNormalization in inference and training mode") {
  // X = np.arange(8.).reshape(2,2,2); scale [1,2], B [0.5,-1], mean [1,2], var [4,0.25]
  const Tensor x = iota(DType::F64, {2, 2, 2});
  const Tensor scale = f64({2}, {1, 2}), bias = f64({2}, {0.5, -1}), mean = f64({2}, {1, 2}),
               var = f64({2}, {4, 0.25});
  // (X - mean) / np.sqrt(var + 1e-5) * scale + B, per channel (dim 1)
  auto inference = runOp("BatchNormalization", {x, scale, bias, mean, var});
  REQUIRE(inference.ok());
  REQUIRE(inference->size() == 3);
  checkTensor((*inference)[0], DType::F64, {2, 2, 2},
              {6.249988281359364e-07, 0.5, -1.0, 2.9999200023999197, 1.9999981250035155, 2.4999975000046875,
               14.999680009599679, 18.999600011999597},
              1e-9, 1e-12);
  CHECK((*inference)[1].identical(mean));
  CHECK((*inference)[2].identical(var));
  // Training: sm = X.mean(axis=(0,2)); sv = X.var(axis=(0,2)); running = stat*0.9 + batch*0.1
  auto training = runOp("BatchNormalization", {x, scale, bias, mean, var}, {{"training_mode", 1}});
  REQUIRE(training.ok());
  checkTensor((*training)[0], DType::F64, {2, 2, 2},
              {-0.7126766985040354, -0.22760601910242118, -3.4253533970080707, -2.4552120382048424,
               1.2276060191024212, 1.7126766985040354, 0.45521203820484235, 1.4253533970080707},
              1e-9);
  checkTensor((*training)[1], DType::F64, {2}, {1.15, 2.25}, 1e-12);
  checkTensor((*training)[2], DType::F64, {2}, {4.025, 0.65}, 1e-12);
  checkError(inferOp("BatchNormalization", {TensorType{DType::F32, {2, 3}}, TensorType{DType::F32, {2}},
                                            TensorType{DType::F32, {3}}, TensorType{DType::F32, {3}},
                                            TensorType{DType::F32, {3}}}),
             ErrorKind::InvalidInput, {"'scale' must have shape [3]"});
}

TEST_CASE("InstanceNormalization and GroupNormalization") {
  // Same X: mi = X.mean(axis=2, keepdims=True); (X - mi)/np.sqrt(X.var(axis=2, keepdims=True) + 1e-5)*scale + B
  const Tensor x = iota(DType::F32, {2, 2, 2});
  checkTensor(run1("InstanceNormalization", {x, f32({2}, {1, 2}), f32({2}, {0.5, -1})}), DType::F32, {2, 2, 2},
              {-0.49998000059997993, 1.49998000059998, -2.99996000119996, 0.9999600011999599, -0.49998000059997993,
               1.49998000059998, -2.99996000119996, 0.9999600011999599},
              1e-6);
  // G = [[[1,2],[3,5],[0,-1],[2,2]]]; 2 groups of 2 channels:
  // Gr = G.reshape(1,2,4); N = ((Gr - Gr.mean(-1,keepdims=True)) / np.sqrt(Gr.var(-1,keepdims=True) + 1e-5))
  // N.reshape(1,4,2) * [1,2,3,4][None,:,None] + [0,0,1,1][None,:,None]
  const Tensor g = f32({1, 4, 2}, {1, 2, 3, 5, 0, -1, 2, 2});
  checkTensor(run1("GroupNormalization", {g, f32({4}, {1, 2, 3, 4}), f32({4}, {0, 0, 1, 1})}, {{"num_groups", 2}}),
              DType::F32, {1, 4, 2},
              {-1.1832132521355805, -0.5070913937723917, 0.3380609291815944, 3.04254836263435, -0.7320456755892932,
               -3.0414399097083518, 4.84899039019843, 4.84899039019843},
              1e-6);
  checkError(inferOp("GroupNormalization", {TensorType{DType::F32, {1, 4, 2}}, TensorType{DType::F32, {4}},
                                            TensorType{DType::F32, {4}}},
                     {{"num_groups", 3}}),
             ErrorKind::InvalidInput, {"divide the 4 channels"});
}
