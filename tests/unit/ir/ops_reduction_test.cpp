// Reduction family: Reduce* over axes, ArgMax / ArgMin.
#include <cmath>
#include <limits>

#include "ops_test_util.h"

using namespace ingot;
using namespace ingot::ir;
using namespace ingot::ir::testing;

namespace {
using Ints = std::vector<int64_t>;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// x = (np.arange(24).reshape(2,3,4) - 10) / 4; positive inputs (for
// ReduceLogSum) xp = np.arange(1, 25).reshape(2,3,4) / 4.
Tensor reductionInput(bool positive) {
  Tensor t = iota(DType::F64, {2, 3, 4});
  for (int64_t i = 0; i < 24; ++i) t.data<double>()[i] = positive ? (i + 1) / 4.0 : (i - 10) / 4.0;
  return t;
}

struct ReduceCase {
  const char* op;
  bool positive;
  std::vector<double> axis1Kept;      // f(x, axis=(1,), keepdims=True)     -> [2,1,4]
  std::vector<double> axes02Dropped;  // f(x, axis=(0,2), keepdims=False)   -> [3]
  std::vector<double> all;            // f(x, axis=None, keepdims=True)     -> [1,1,1]
};

// numpy: np.sum, np.mean, np.prod, np.max, np.min, np.sum(np.abs(a)),
// np.sqrt(np.sum(a*a)), np.sum(a*a), np.log(np.sum(a)), np.log(np.sum(np.exp(a))).
const std::vector<ReduceCase> kCases = {
    {"ReduceSum", false, {-4.5, -3.75, -3.0, -2.25, 4.5, 5.25, 6.0, 6.75}, {-5.0, 3.0, 11.0}, {9.0}},
    {"ReduceMean", false, {-1.5, -1.25, -1.0, -0.75, 1.5, 1.75, 2.0, 2.25}, {-0.625, 0.375, 1.375}, {0.375}},
    {"ReduceProd", false, {-1.875, -0.703125, 0.0, 0.328125, 1.875, 3.609375, 6.0, 9.140625}, {9.228515625, 16.611328125, 0.0}, {0.0}},
    {"ReduceMax", false, {-0.5, -0.25, 0.0, 0.25, 2.5, 2.75, 3.0, 3.25}, {1.25, 2.25, 3.25}, {3.25}},
    {"ReduceMin", false, {-2.5, -2.25, -2.0, -1.75, 0.5, 0.75, 1.0, 1.25}, {-2.5, -1.5, -0.5}, {-2.5}},
    {"ReduceL1", false, {4.5, 3.75, 3.0, 2.75, 4.5, 5.25, 6.0, 6.75}, {12.0, 12.0, 12.5}, {36.5}},
    {"ReduceL2", false, {2.958039891549808, 2.5860201081971503, 2.23606797749979, 1.920286436967152, 2.958039891549808, 3.344772040064913, 3.7416573867739413, 4.14578098794425}, {4.663689526544408, 4.444097208657794, 5.809475019311125}, {8.674675786448736}},
    {"ReduceSumSquare", false, {8.75, 6.6875, 5.0, 3.6875, 8.75, 11.1875, 14.0, 17.1875}, {21.75, 19.75, 33.75}, {75.25}},
    {"ReduceLogSum", true, {1.3217558399823195, 1.5040773967762742, 1.6582280766035324, 1.791759469228055, 2.545531271604435, 2.6026896854443837, 2.6567569067146595, 2.70805020110221}, {2.833213344056216, 3.2188758248682006, 3.4965075614664802}, {4.31748811353631}},
    {"ReduceLogSumExp", false, {-0.09239403555561969, 0.15760596444438035, 0.4076059644443804, 0.6576059644443802, 2.9076059644443806, 3.15760596444438, 3.40760596444438, 3.6576059644443806}, {2.348603755632692, 3.348603755632692, 4.348603755632692}, {4.756209720077073}},
};

Tensor toF32(const Tensor& t) {
  Tensor out(DType::F32, t.shape());
  for (int64_t i = 0; i < t.numElements(); ++i) out.data<float>()[i] = static_cast<float>(t.data<double>()[i]);
  return out;
}
}  // namespace

TEST_CASE("Reduce ops match numpy over axes, with and without keepdims") {
  for (const ReduceCase& c : kCases) {
    INFO(c.op);
    const Tensor x = reductionInput(c.positive);
    checkTensor(run1(c.op, {x}, {{"axes", Ints{1}}}), DType::F64, {2, 1, 4}, c.axis1Kept, 1e-13, 1e-15);
    checkTensor(run1(c.op, {x}, {{"axes", Ints{-1, 0}}, {"keepdims", 0}}), DType::F64, {3}, c.axes02Dropped, 1e-13,
                1e-15);
    checkTensor(run1(c.op, {x}), DType::F64, {1, 1, 1}, c.all, 1e-13, 1e-15);
    checkTensor(run1(c.op, {x}, {{"keepdims", 0}}), DType::F64, {}, c.all, 1e-13, 1e-15);
    // The inputs are exact in f32 too.
    checkTensor(run1(c.op, {toF32(x)}, {{"axes", Ints{1}}}), DType::F32, {2, 1, 4}, c.axis1Kept, 1e-6, 1e-7);
  }
}

TEST_CASE("noop_with_empty_axes makes a reduction the identity") {
  const Tensor x = f32({2}, {-3, 4});
  // Even ReduceL2 and ReduceSumSquare return x itself, not |x| or x^2 (ONNX:
  // "equivalent to the input").
  for (const char* op : {"ReduceSum", "ReduceL2", "ReduceSumSquare", "ReduceMax"})
    checkTensor(run1(op, {x}, {{"noop_with_empty_axes", 1}}), DType::F32, {2}, {-3, 4});
  checkTensor(run1("ReduceSum", {x}, {{"noop_with_empty_axes", 1}, {"axes", Ints{0}}}), DType::F32, {1}, {1});
}

TEST_CASE("empty reductions") {
  const Tensor empty = f32({2, 0}, {});
  // Reducing an empty axis: sum 0, prod 1, mean 0/0 = NaN, L2 0, log-sum(-exp) -inf.
  checkTensor(run1("ReduceSum", {empty}, {{"axes", Ints{1}}}), DType::F32, {2, 1}, {0, 0});
  checkTensor(run1("ReduceProd", {empty}, {{"axes", Ints{1}}}), DType::F32, {2, 1}, {1, 1});
  checkTensor(run1("ReduceMean", {empty}, {{"axes", Ints{1}}}), DType::F32, {2, 1}, {kNaN, kNaN});
  checkTensor(run1("ReduceL2", {empty}, {{"axes", Ints{1}}}), DType::F32, {2, 1}, {0, 0});
  checkTensor(run1("ReduceLogSum", {empty}, {{"axes", Ints{1}}}), DType::F32, {2, 1}, {-kInf, -kInf});
  checkTensor(run1("ReduceLogSumExp", {empty}, {{"axes", Ints{1}}}), DType::F32, {2, 1}, {-kInf, -kInf});
  checkTensor(run1("ReduceMean", {i32({0}, {})}), DType::I32, {1}, {0});  // integer 0/0 is defined as 0
  // Reducing the non-empty axis of an empty tensor gives an empty result.
  checkTensor(run1("ReduceMax", {empty}, {{"axes", Ints{0}}}), DType::F32, {1, 0}, {});
  // ONNX 18+: Max / Min of nothing is the reduction's identity (-inf / +inf,
  // the lowest / highest value for ints).
  checkTensor(run1("ReduceMax", {empty}, {{"axes", Ints{1}}}), DType::F32, {2, 1}, {-kInf, -kInf});
  checkTensor(run1("ReduceMin", {f32({0}, {})}), DType::F32, {1}, {kInf});
  checkTensor(run1("ReduceMax", {i32({0}, {})}, {{"keepdims", 0}}), DType::I32, {},
              {std::numeric_limits<int32_t>::lowest()});
}

TEST_CASE("Reduce ops on integers and bool") {
  const Tensor x = i32({2, 3}, {1, -2, 3, 4, 5, -6});
  checkTensor(run1("ReduceSum", {x}, {{"axes", Ints{1}}, {"keepdims", 0}}), DType::I32, {2}, {2, 3});
  checkTensor(run1("ReduceProd", {x}, {{"axes", Ints{0}}, {"keepdims", 0}}), DType::I32, {3}, {4, -10, -18});
  checkTensor(run1("ReduceMax", {x}, {{"keepdims", 0}}), DType::I32, {}, {5});
  checkTensor(run1("ReduceL1", {x}, {{"keepdims", 0}}), DType::I32, {}, {21});
  checkTensor(run1("ReduceSumSquare", {x}, {{"keepdims", 0}}), DType::I32, {}, {91});  // 1+4+9+16+25+36
  // Integer mean truncates toward zero: 2/3 -> 0, 3/3 -> 1; (-7)/2 -> -3.
  checkTensor(run1("ReduceMean", {x}, {{"axes", Ints{1}}, {"keepdims", 0}}), DType::I32, {2}, {0, 1});
  checkTensor(run1("ReduceMean", {i64({2}, {-3, -4})}, {{"keepdims", 0}}), DType::I64, {}, {-3});
  // Max / Min on bool are any / all.
  const Tensor b = boolean({2, 2}, {false, true, false, false});
  checkTensor(run1("ReduceMax", {b}, {{"axes", Ints{1}}, {"keepdims", 0}}), DType::Bool, {2}, {1, 0});
  checkTensor(run1("ReduceMin", {boolean({2}, {true, true})}, {{"keepdims", 0}}), DType::Bool, {}, {1});
  checkError(inferOp("ReduceSum", {TensorType{DType::Bool, {2}}}), ErrorKind::InvalidInput, {"bool"});
  checkError(inferOp("ReduceL2", {TensorType{DType::I32, {2}}}), ErrorKind::InvalidInput, {"i32"});
}

TEST_CASE("ReduceMax and ReduceMin propagate NaN, LogSumExp is stable") {
  checkTensor(run1("ReduceMax", {f32({3}, {1, float(kNaN), 2})}, {{"keepdims", 0}}), DType::F32, {}, {kNaN});
  checkTensor(run1("ReduceMin", {f32({3}, {float(kNaN), 1, 2})}, {{"keepdims", 0}}), DType::F32, {}, {kNaN});
  checkTensor(run1("ReduceMax", {f32({2}, {-float(kInf), -float(kInf)})}, {{"keepdims", 0}}), DType::F32, {}, {-kInf});
  // log(e^1000 + e^1000) = 1000 + log 2; naive exp would overflow.
  checkTensor(run1("ReduceLogSumExp", {f64({2}, {1000, 1000})}, {{"keepdims", 0}}), DType::F64, {},
              {1000 + std::log(2.0)}, 1e-15);
  checkTensor(run1("ReduceLogSumExp", {f64({3}, {-kInf, 0, -kInf})}, {{"keepdims", 0}}), DType::F64, {}, {0});
  checkTensor(run1("ReduceLogSumExp", {f64({2}, {kInf, 1})}, {{"keepdims", 0}}), DType::F64, {}, {kInf});
}

TEST_CASE("Reduce type rule errors") {
  const TensorType x{DType::F32, {2, 3}};
  checkError(inferOp("ReduceSum", {x}, {{"axes", Ints{2}}}), ErrorKind::InvalidInput,
             {"ReduceSum", "attribute 'axes'", "axis 2 is out of range for rank 2"});
  checkError(inferOp("ReduceMean", {x}, {{"axes", Ints{0, -2}}}), ErrorKind::InvalidInput, {"twice"});
  checkError(inferOp("ReduceSum", {TensorType{DType::F16, {2}}}), ErrorKind::Unsupported, {"f16"});
  checkError(inferOp("ReduceSum", {x}, {{"keepdims", 1.0f}}), ErrorKind::InvalidInput, {"must be int"});
}

TEST_CASE("ArgMax and ArgMin") {
  // x = [[3, 7, 7], [9, 1, 1]]
  const Tensor x = f32({2, 3}, {3, 7, 7, 9, 1, 1});
  checkTensor(run1("ArgMax", {x}), DType::I64, {1, 3}, {1, 0, 0});
  checkTensor(run1("ArgMax", {x}, {{"axis", 1}, {"keepdims", 0}}), DType::I64, {2}, {1, 0});
  checkTensor(run1("ArgMax", {x}, {{"axis", -1}, {"select_last_index", 1}}), DType::I64, {2, 1}, {2, 0});
  checkTensor(run1("ArgMin", {x}, {{"axis", 1}, {"keepdims", 0}}), DType::I64, {2}, {0, 1});
  checkTensor(run1("ArgMin", {x}, {{"axis", 1}, {"keepdims", 0}, {"select_last_index", 1}}), DType::I64, {2}, {0, 2});
  checkTensor(run1("ArgMax", {i32({4}, {-1, 5, 2, 5})}, {{"keepdims", 0}}), DType::I64, {}, {1});
  // NaN is the extreme for both, like numpy.argmax / argmin.
  checkTensor(run1("ArgMax", {f32({3}, {1, float(kNaN), 2})}, {{"keepdims", 0}}), DType::I64, {}, {1});
  checkTensor(run1("ArgMin", {f32({3}, {1, float(kNaN), 0})}, {{"keepdims", 0}}), DType::I64, {}, {1});
  checkError(inferOp("ArgMax", {TensorType{DType::F32, {2, 0}}}, {{"axis", 1}}), ErrorKind::InvalidInput, {"empty"});
  checkError(inferOp("ArgMax", {TensorType{DType::F32, {2}}}, {{"axis", 1}}), ErrorKind::InvalidInput, {"axis 1"});
  checkError(inferOp("ArgMin", {TensorType{DType::Bool, {2}}}), ErrorKind::InvalidInput, {"bool"});
}
