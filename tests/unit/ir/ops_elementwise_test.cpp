// Elementwise family: unary math, binary broadcasting arithmetic,
// comparisons and logic, variadic folds, Pow, Where, Clip.
#include <limits>

#include "ops_test_util.h"

using namespace ingot;
using namespace ingot::ir;
using namespace ingot::ir::testing;

namespace {

struct UnaryCase {
  const char* op;
  std::vector<double> x, y;
};

// Expected values from numpy (float64):
//   for name, xs, f in cases: print(name, xs, f(np.array(xs, dtype=np.float64)))
// with f = np.negative, np.abs, np.sign, np.exp, np.log, np.sqrt,
// np.reciprocal, np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan,
// np.sinh, np.cosh, np.arcsinh, np.arccosh, np.arctanh, np.floor, np.ceil,
// np.round (half to even) and math.erf.
const std::vector<UnaryCase> kUnaryCases = {
    {"Neg", {-2.5, -0.5, 0.0, 1.5}, {2.5, 0.5, -0.0, -1.5}},
    {"Abs", {-2.5, -0.5, 0.0, 1.5}, {2.5, 0.5, 0.0, 1.5}},
    {"Sign", {-2.5, -0.0, 0.0, 1.5}, {-1.0, 0.0, 0.0, 1.0}},
    {"Exp", {-2.5, -0.5, 0.0, 1.5}, {0.0820849986238988, 0.6065306597126334, 1.0, 4.4816890703380645}},
    {"Log", {0.25, 1.0, 2.0, 10.0}, {-1.3862943611198906, 0.0, 0.6931471805599453, 2.302585092994046}},
    {"Sqrt", {0.25, 1.0, 2.0, 10.0}, {0.5, 1.0, 1.4142135623730951, 3.1622776601683795}},
    {"Reciprocal", {0.25, -1.0, 2.0, 10.0}, {4.0, -1.0, 0.5, 0.1}},
    {"Sin", {-2.5, -0.5, 0.0, 1.5}, {-0.5984721441039565, -0.479425538604203, 0.0, 0.9974949866040544}},
    {"Cos", {-2.5, -0.5, 0.0, 1.5}, {-0.8011436155469337, 0.8775825618903728, 1.0, 0.0707372016677029}},
    {"Tan", {-2.5, -0.5, 0.0, 1.5}, {0.7470222972386603, -0.5463024898437905, 0.0, 14.101419947171719}},
    {"Asin", {-0.9, -0.5, 0.0, 0.5}, {-1.1197695149986342, -0.5235987755982989, 0.0, 0.5235987755982989}},
    {"Acos", {-0.9, -0.5, 0.0, 0.5}, {2.6905658417935308, 2.0943951023931957, 1.5707963267948966, 1.0471975511965979}},
    {"Atan", {-2.5, -0.5, 0.0, 1.5}, {-1.1902899496825317, -0.4636476090008061, 0.0, 0.982793723247329}},
    {"Sinh", {-2.5, -0.5, 0.0, 1.5}, {-6.0502044810397875, -0.5210953054937474, 0.0, 2.1292794550948173}},
    {"Cosh", {-2.5, -0.5, 0.0, 1.5}, {6.132289479663686, 1.1276259652063807, 1.0, 2.352409615243247}},
    {"Asinh", {-2.5, -0.5, 0.0, 1.5}, {-1.6472311463710958, -0.48121182505960347, 0.0, 1.1947632172871094}},
    {"Acosh", {1.0, 1.5, 3.0, 10.0}, {0.0, 0.9624236501192069, 1.762747174039086, 2.993222846126381}},
    {"Atanh", {-0.9, -0.5, 0.0, 0.5}, {-1.4722194895832204, -0.5493061443340548, 0.0, 0.5493061443340548}},
    {"Floor", {-2.5, -0.5, 0.0, 1.5}, {-3.0, -1.0, 0.0, 1.0}},
    {"Ceil", {-2.5, -0.5, 0.0, 1.5}, {-2.0, -0.0, 0.0, 2.0}},
    {"Round", {-2.5, -0.5, 0.5, 1.5, 2.5, 2.6, -1.4}, {-2.0, -0.0, 0.0, 2.0, 2.0, 3.0, -1.0}},
};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("unary math ops match numpy in f64 and f32") {
  for (const UnaryCase& c : kUnaryCases) {
    INFO(c.op);
    const Shape shape{static_cast<int64_t>(c.x.size())};
    checkTensor(run1(c.op, {f64(shape, c.x)}), DType::F64, shape, c.y, 1e-14, 1e-15);
    std::vector<float> x32(c.x.begin(), c.x.end());
    // f32: the same function rounded once to float.
    checkTensor(run1(c.op, {f32(shape, x32)}), DType::F32, shape, c.y, 1e-6, 1e-7);
  }
}

TEST_CASE("unary ops keep the shape, including rank 0 and empty tensors") {
  checkTensor(run1("Exp", {f32({}, {0.f})}), DType::F32, {}, {1.0});
  checkTensor(run1("Exp", {f32({2, 0, 3}, {})}), DType::F32, {2, 0, 3}, {});
  checkTensor(run1("Sqrt", {f32({2, 2}, {1, 4, 9, 16})}), DType::F32, {2, 2}, {1, 2, 3, 4});
}

TEST_CASE("unary ops on integers") {
  const int32_t min32 = std::numeric_limits<int32_t>::min();
  // Neg and Abs of INT_MIN wrap to INT_MIN (two's complement), never trap.
  checkTensor(run1("Neg", {i32({4}, {-3, 0, 5, min32})}), DType::I32, {4}, {3, 0, -5, double(min32)});
  checkTensor(run1("Abs", {i64({3}, {-7, 0, 7})}), DType::I64, {3}, {7, 0, 7});
  checkTensor(run1("Abs", {i32({1}, {min32})}), DType::I32, {1}, {double(min32)});
  checkTensor(run1("Sign", {i32({3}, {-9, 0, 4})}), DType::I32, {3}, {-1, 0, 1});
  checkTensor(run1("Sign", {Tensor::fromVector<uint8_t>({2}, {0, 200})}), DType::U8, {2}, {0, 1});
  checkTensor(run1("Abs", {Tensor::fromVector<uint16_t>({1}, {65535})}), DType::U16, {1}, {65535});
}

TEST_CASE("Not, IsNaN, IsInf give bool") {
  checkTensor(run1("Not", {boolean({2}, {true, false})}), DType::Bool, {2}, {0, 1});
  const Tensor x = f32({4}, {1.f, float(kNaN), float(kInf), float(-kInf)});
  checkTensor(run1("IsNaN", {x}), DType::Bool, {4}, {0, 1, 0, 0});
  checkTensor(run1("IsInf", {x}), DType::Bool, {4}, {0, 0, 1, 1});
  checkTensor(run1("IsInf", {x}, {{"detect_negative", 0}}), DType::Bool, {4}, {0, 0, 1, 0});
  checkTensor(run1("IsInf", {x}, {{"detect_positive", 0}}), DType::Bool, {4}, {0, 0, 0, 1});
}

TEST_CASE("unary type rule errors") {
  checkError(inferOp("Exp", {TensorType{DType::I32, {2}}}), ErrorKind::InvalidInput,
             {"Exp", "operand 'X'", "dtype i32", "expected one of: f32, f64"});
  checkError(inferOp("Neg", {TensorType{DType::U8, {2}}}), ErrorKind::InvalidInput, {"dtype u8"});
  checkError(inferOp("Not", {TensorType{DType::F32, {2}}}), ErrorKind::InvalidInput, {"expected one of: bool"});
  checkError(inferOp("Exp", {TensorType{DType::F16, {2}}}), ErrorKind::Unsupported, {"f16"});
  checkError(inferOp("Abs", {TensorType{DType::BF16, {2}}}), ErrorKind::Unsupported, {"bf16"});
}

TEST_CASE("binary arithmetic broadcasts") {
  // [[1,2,3],[4,5,6]] + [10,20,30] = [[11,22,33],[14,25,36]]
  checkTensor(run1("Add", {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3}, {10, 20, 30})}), DType::F32, {2, 3},
              {11, 22, 33, 14, 25, 36});
  // [[1],[2]] - [[10,20,30]] = [[-9,-19,-29],[-8,-18,-28]]
  checkTensor(run1("Sub", {f64({2, 1}, {1, 2}), f64({1, 3}, {10, 20, 30})}), DType::F64, {2, 3},
              {-9, -19, -29, -8, -18, -28});
  // scalar * [2,2]
  checkTensor(run1("Mul", {i64({}, {3}), i64({2, 2}, {1, -2, 3, -4})}), DType::I64, {2, 2}, {3, -6, 9, -12});
  checkTensor(run1("Div", {f32({3}, {1, -3, 1}), f32({3}, {4, 2, 0})}), DType::F32, {3}, {0.25, -1.5, kInf});
  // Rank-3 with a middle broadcast dim: [2,1,2] + [3,1] -> [2,3,2]
  //   a = [[[0,1]],[[2,3]]], b = [[0],[10],[20]]; out[i,j,k] = a[i,0,k] + b[j,0]
  checkTensor(run1("Add", {iota(DType::I32, {2, 1, 2}), i32({3, 1}, {0, 10, 20})}), DType::I32, {2, 3, 2},
              {0, 1, 10, 11, 20, 21, 2, 3, 12, 13, 22, 23});
}

TEST_CASE("integer arithmetic wraps and integer division truncates") {
  const int32_t max32 = std::numeric_limits<int32_t>::max(), min32 = std::numeric_limits<int32_t>::min();
  checkTensor(run1("Add", {i32({1}, {max32}), i32({1}, {1})}), DType::I32, {1}, {double(min32)});
  checkTensor(run1("Mul", {Tensor::fromVector<uint16_t>({1}, {65535}), Tensor::fromVector<uint16_t>({1}, {65535})}),
              DType::U16, {1}, {1});  // 65535^2 = 4294836225 = 65535*65536 + 1
  // 7/2=3, -7/2=-3, 7/-2=-3, -7/-2=3 (toward zero); x/0 is defined as 0;
  // INT_MIN/-1 wraps to INT_MIN.
  checkTensor(run1("Div", {i32({6}, {7, -7, 7, -7, 5, min32}), i32({6}, {2, 2, -2, -2, 0, -1})}), DType::I32, {6},
              {3, -3, -3, 3, 0, double(min32)});
}

TEST_CASE("Mod: fmod=0 follows the divisor's sign, fmod=1 the dividend's") {
  // Python: 5%3=2, -5%3=1, 5%-3=-1, -5%-3=-2; C fmod: 2, -2, 2, -2. x%0 = 0.
  const Tensor a = i64({5}, {5, -5, 5, -5, 4}), b = i64({5}, {3, 3, -3, -3, 0});
  checkTensor(run1("Mod", {a, b}), DType::I64, {5}, {2, 1, -1, -2, 0});
  checkTensor(run1("Mod", {a, b}, {{"fmod", 1}}), DType::I64, {5}, {2, -2, 2, -2, 0});
  // math.fmod(5.5, 2) = 1.5, math.fmod(-5.5, 2) = -1.5
  checkTensor(run1("Mod", {f32({2}, {5.5f, -5.5f}), f32({}, {2.f})}, {{"fmod", 1}}), DType::F32, {2}, {1.5, -1.5});
  checkError(inferOp("Mod", {TensorType{DType::F32, {2}}, TensorType{DType::F32, {2}}}), ErrorKind::InvalidInput,
             {"'fmod' must be 1"});
  checkError(inferOp("Mod", {TensorType{DType::I32, {2}}, TensorType{DType::I32, {2}}}, {{"fmod", 2}}),
             ErrorKind::InvalidInput, {"0 or 1"});
}

TEST_CASE("Pow: result has the base's dtype") {
  // 2^3=8, 4^0.5=2, 9^0.5=3
  checkTensor(run1("Pow", {f32({3}, {2, 4, 9}), f32({3}, {3, 0.5, 0.5})}), DType::F32, {3}, {8, 2, 3});
  // Integer base, float exponent: 2^0.5=1.414 truncates to 1; 3^2 = 9.
  checkTensor(run1("Pow", {i64({2}, {2, 3}), f32({2}, {0.5, 2})}), DType::I64, {2}, {1, 9});
  // Integer powers are exact; negative exponents truncate the real result:
  // 2^10=1024, (-3)^3=-27, 1^-2=1, (-1)^-3=-1, 0^-1 := 0, 2^-1=0.5 -> 0.
  checkTensor(run1("Pow", {i32({6}, {2, -3, 1, -1, 0, 2}), i64({6}, {10, 3, -2, -3, -1, -1})}), DType::I32, {6},
              {1024, -27, 1, -1, 0, 0});
  // Float base, integer exponent, broadcast: [[1,2],[3,4]]^[2] = [[1,4],[9,16]]
  checkTensor(run1("Pow", {f64({2, 2}, {1, 2, 3, 4}), i32({1}, {2})}), DType::F64, {2, 2}, {1, 4, 9, 16});
  checkError(inferOp("Pow", {TensorType{DType::F32, {2}}, TensorType{DType::F32, {3}}}), ErrorKind::InvalidInput,
             {"do not broadcast"});
  checkError(inferOp("Pow", {TensorType{DType::Bool, {2}}, TensorType{DType::F32, {2}}}), ErrorKind::InvalidInput,
             {"operand 'X'", "bool"});
}

TEST_CASE("comparisons give bool and broadcast") {
  const Tensor a = f32({2, 2}, {1, 2, 3, float(kNaN)}), b = f32({2}, {2, 2});
  checkTensor(run1("Less", {a, b}), DType::Bool, {2, 2}, {1, 0, 0, 0});
  checkTensor(run1("LessOrEqual", {a, b}), DType::Bool, {2, 2}, {1, 1, 0, 0});
  checkTensor(run1("Greater", {a, b}), DType::Bool, {2, 2}, {0, 0, 1, 0});
  checkTensor(run1("GreaterOrEqual", {a, b}), DType::Bool, {2, 2}, {0, 1, 1, 0});
  checkTensor(run1("Equal", {a, b}), DType::Bool, {2, 2}, {0, 1, 0, 0});  // NaN == x is false
  checkTensor(run1("Equal", {i64({3}, {1, 2, 3}), i64({}, {2})}), DType::Bool, {3}, {0, 1, 0});
  checkTensor(run1("Equal", {boolean({2}, {true, false}), boolean({2}, {true, true})}), DType::Bool, {2}, {1, 0});
  checkError(inferOp("Less", {TensorType{DType::Bool, {2}}, TensorType{DType::Bool, {2}}}), ErrorKind::InvalidInput,
             {"bool"});
}

TEST_CASE("logic ops: truth tables with broadcasting") {
  const Tensor a = boolean({4, 1}, {false, false, true, true}), b = boolean({2}, {false, true});
  // rows: a = F, F, T, T; columns: b = F, T
  checkTensor(run1("And", {a, b}), DType::Bool, {4, 2}, {0, 0, 0, 0, 0, 1, 0, 1});
  checkTensor(run1("Or", {a, b}), DType::Bool, {4, 2}, {0, 1, 0, 1, 1, 1, 1, 1});
  checkTensor(run1("Xor", {a, b}), DType::Bool, {4, 2}, {0, 1, 0, 1, 1, 0, 1, 0});
  checkError(inferOp("And", {TensorType{DType::I32, {2}}, TensorType{DType::I32, {2}}}), ErrorKind::InvalidInput,
             {"expected one of: bool"});
}

TEST_CASE("binary type rule errors") {
  checkError(inferOp("Add", {TensorType{DType::F32, {2, 3}}, TensorType{DType::F32, {4}}}), ErrorKind::InvalidInput,
             {"Add", "[2,3]", "[4]", "do not broadcast"});
  checkError(inferOp("Add", {TensorType{DType::F32, {2}}, TensorType{DType::I32, {2}}}), ErrorKind::InvalidInput,
             {"operand 'B' has dtype i32", "operand 'A' has dtype f32", "must match"});
  checkError(inferOp("Mul", {TensorType{DType::F16, {2}}, TensorType{DType::F16, {2}}}), ErrorKind::Unsupported,
             {"f16"});
  checkError(inferOp("Add", {TensorType{DType::Bool, {2}}, TensorType{DType::Bool, {2}}}), ErrorKind::InvalidInput,
             {"bool"});
  checkError(inferOp("Add", {TensorType{DType::F32, {2}}}), ErrorKind::InvalidInput, {"expected 2 operands, got 1"});
}

TEST_CASE("variadic Max, Min, Sum, Mean broadcast all operands") {
  const Tensor a = f32({2, 1}, {1, 6}), b = f32({3}, {0, 5, 10}), c = f32({}, {4});
  // rows a=1, a=6 against b = 0, 5, 10 and c = 4
  checkTensor(run1("Max", {a, b, c}), DType::F32, {2, 3}, {4, 5, 10, 6, 6, 10});
  checkTensor(run1("Min", {a, b, c}), DType::F32, {2, 3}, {0, 1, 1, 0, 4, 4});
  checkTensor(run1("Sum", {a, b, c}), DType::F32, {2, 3}, {5, 10, 15, 10, 15, 20});
  checkTensor(run1("Mean", {a, b, c}), DType::F32, {2, 3}, {5. / 3, 10. / 3, 5, 10. / 3, 5, 20. / 3});
  checkTensor(run1("Sum", {a}), DType::F32, {2, 1}, {1, 6});  // one operand: a copy
  // NaN propagates through Max/Min like numpy.maximum.
  checkTensor(run1("Max", {f64({2}, {kNaN, 1}), f64({2}, {1, kNaN})}), DType::F64, {2}, {kNaN, kNaN});
  // Integer Mean truncates: (1 + 2) / 2 = 1, (-1 + -2) / 2 = -1.
  checkTensor(run1("Mean", {i32({2}, {1, -1}), i32({2}, {2, -2})}), DType::I32, {2}, {1, -1});
  checkError(inferOp("Sum", {TensorType{DType::F32, {2}}, TensorType{DType::F64, {2}}}), ErrorKind::InvalidInput,
             {"operand 'data_0[1]'", "f64"});
  checkError(inferOp("Max", {TensorType{DType::F32, {2}}, TensorType{DType::F32, {3}}, TensorType{DType::F32, {2}}}),
             ErrorKind::InvalidInput, {"[2], [3], [2]"});
}

TEST_CASE("Where picks from X or Y with broadcasting") {
  // cond [2,1] rows T, F; X [3] = 1,2,3; Y scalar 9
  checkTensor(run1("Where", {boolean({2, 1}, {true, false}), i64({3}, {1, 2, 3}), i64({}, {9})}), DType::I64, {2, 3},
              {1, 2, 3, 9, 9, 9});
  checkTensor(run1("Where", {boolean({2}, {false, true}), boolean({2}, {true, true}), boolean({2}, {false, false})}),
              DType::Bool, {2}, {0, 1});
  checkError(inferOp("Where", {TensorType{DType::I32, {2}}, TensorType{DType::F32, {2}}, TensorType{DType::F32, {2}}}),
             ErrorKind::InvalidInput, {"operand 'condition'", "expected one of: bool"});
  checkError(inferOp("Where", {TensorType{DType::Bool, {2}}, TensorType{DType::F32, {2}}, TensorType{DType::F64, {2}}}),
             ErrorKind::InvalidInput, {"must match"});
}

TEST_CASE("Clip with optional bounds") {
  const Tensor x = f32({5}, {-3, -1, 0, 2, float(kNaN)});
  checkTensor(run1("Clip", {x, f32({}, {-1.5f}), f32({}, {1.f})}), DType::F32, {5}, {-1.5, -1, 0, 1, kNaN});
  checkTensor(run1("Clip", {x, std::nullopt, f32({}, {1.f})}), DType::F32, {5}, {-3, -1, 0, 1, kNaN});
  checkTensor(run1("Clip", {x, f32({1}, {0.f})}), DType::F32, {5}, {0, 0, 0, 2, kNaN});
  checkTensor(run1("Clip", {x}), DType::F32, {5}, {-3, -1, 0, 2, kNaN});
  // min > max: everything becomes max (ONNX).
  checkTensor(run1("Clip", {x, f32({}, {5.f}), f32({}, {1.f})}), DType::F32, {5}, {1, 1, 1, 1, kNaN});
  checkTensor(run1("Clip", {i32({3}, {-5, 5, 50}), i32({}, {0}), i32({}, {10})}), DType::I32, {3}, {0, 5, 10});
  checkError(inferOp("Clip", {TensorType{DType::F32, {3}}, TensorType{DType::F32, {2}}}), ErrorKind::InvalidInput,
             {"operand 'min' must be a scalar"});
  checkError(inferOp("Clip", {TensorType{DType::F32, {3}}, std::nullopt, TensorType{DType::I32, {}}}),
             ErrorKind::InvalidInput, {"operand 'max' has dtype i32"});
}

TEST_CASE("bitwise ops and BitShift on integers") {
  // 12 = 0b1100, 10 = 0b1010: & = 0b1000 = 8, | = 0b1110 = 14, ^ = 0b0110 = 6
  const Tensor a = i32({2}, {12, -1}), b = i32({2}, {10, 5});
  checkTensor(run1("BitwiseAnd", {a, b}), DType::I32, {2}, {8, 5});
  checkTensor(run1("BitwiseOr", {a, b}), DType::I32, {2}, {14, -1});
  checkTensor(run1("BitwiseXor", {a, b}), DType::I32, {2}, {6, -6});  // -1 ^ 5 = ~5 = -6
  checkTensor(run1("BitwiseNot", {i32({2}, {0, 5})}), DType::I32, {2}, {-1, -6});
  checkTensor(run1("BitwiseNot", {Tensor::fromVector<uint8_t>({1}, {0x0f})}), DType::U8, {1}, {0xf0});
  // 16 >> 2 = 4, 3 << 4 = 48; shifts by >= the width give 0.
  const Tensor x = Tensor::fromVector<uint8_t>({3}, {16, 3, 255});
  checkTensor(run1("BitShift", {x, Tensor::fromVector<uint8_t>({3}, {2, 0, 8})}, {{"direction", "RIGHT"}}), DType::U8,
              {3}, {4, 3, 0});
  checkTensor(run1("BitShift", {x, Tensor::fromVector<uint8_t>({}, {4})}, {{"direction", "LEFT"}}), DType::U8, {3},
              {0, 48, 240});  // 16 << 4 = 256 wraps to 0; 255 << 4 = 4080 = 15*256 + 240
  checkTensor(run1("BitShift", {Tensor::fromVector<uint64_t>({1}, {1}), Tensor::fromVector<uint64_t>({1}, {63})},
                   {{"direction", "LEFT"}}),
              DType::U64, {1}, {9223372036854775808.0});
  checkError(inferOp("BitShift", {TensorType{DType::I32, {2}}, TensorType{DType::I32, {2}}}, {{"direction", "LEFT"}}),
             ErrorKind::InvalidInput, {"i32", "u8"});
  checkError(inferOp("BitShift", {TensorType{DType::U8, {2}}, TensorType{DType::U8, {2}}}, {{"direction", "UP"}}),
             ErrorKind::InvalidInput, {"\"UP\""});
  checkError(inferOp("BitwiseAnd", {TensorType{DType::F32, {2}}, TensorType{DType::F32, {2}}}),
             ErrorKind::InvalidInput, {"f32"});
}
