// Activation family: pointwise activations and Softmax / LogSoftmax.
#include "ops_test_util.h"

using namespace ingot;
using namespace ingot::ir;
using namespace ingot::ir::testing;

namespace {

const std::vector<double> kX = {-3.0, -1.0, -0.25, 0.0, 0.5, 2.0};

struct ActivationCase {
  const char* op;
  std::vector<double> y;  // of kX, default attributes
};

// numpy (float64), x = np.array(kX):
//   Relu np.maximum(x, 0); LeakyRelu np.where(x < 0, 0.01*x, x);
//   ThresholdedRelu np.where(x > 1.0, x, 0); Elu np.where(x < 0, np.exp(x)-1, x);
//   Celu np.maximum(0,x) + np.minimum(0, np.exp(x)-1);
//   Selu np.where(x > 0, g*x, g*(a*np.exp(x)-a)) with a=1.67326319217681884765625, g=1.05070102214050292968750;
//   Sigmoid 1/(1+np.exp(-x)); HardSigmoid np.clip(0.2*x+0.5, 0, 1);
//   HardSwish x*np.clip(x/6+0.5, 0, 1); Tanh np.tanh(x); Erf math.erf;
//   Gelu 0.5*v*(1+erf(v/sqrt(2))); Softplus np.log1p(np.exp(x));
//   Softsign x/(1+np.abs(x)); Mish x*np.tanh(np.log1p(np.exp(x))).
const std::vector<ActivationCase> kCases = {
    {"Relu", {0.0, 0.0, 0.0, 0.0, 0.5, 2.0}},
    {"LeakyRelu", {-0.03, -0.01, -0.0025, 0.0, 0.5, 2.0}},
    {"ThresholdedRelu", {0.0, 0.0, 0.0, 0.0, 0.0, 2.0}},
    {"Elu", {-0.950212931632136, -0.6321205588285577, -0.22119921692859512, 0.0, 0.5, 2.0}},
    {"Celu", {-0.950212931632136, -0.6321205588285577, -0.22119921692859512, 0.0, 0.5, 2.0}},
    {"Selu", {-1.6705687339770225, -1.1113307412784084, -0.38889019869092945, 0.0, 0.5253505110702514, 2.1014020442810057}},
    {"Sigmoid", {0.04742587317756678, 0.2689414213699951, 0.43782349911420193, 0.5, 0.6224593312018546, 0.8807970779778823}},
    {"HardSigmoid", {0.0, 0.3, 0.45, 0.5, 0.6, 0.9}},
    {"HardSwish", {-0.0, -0.33333333333333337, -0.11458333333333333, 0.0, 0.2916666666666667, 1.6666666666666665}},
    {"Tanh", {-0.9950547536867305, -0.7615941559557649, -0.24491866240370913, 0.0, 0.46211715726000974, 0.9640275800758169}},
    {"Erf", {-0.9999779095030014, -0.8427007929497149, -0.2763263901682369, 0.0, 0.5204998778130465, 0.9953222650189527}},
    {"Gelu", {-0.00404969409489031, -0.15865525393145707, -0.10032341857926907, 0.0, 0.34573123063700656, 1.9544997361036416}},
    {"Softplus", {0.04858735157374206, 0.31326168751822286, 0.5759394198788436, 0.6931471805599453, 0.9740769841801067, 2.1269280110429727}},
    {"Softsign", {-0.75, -0.5, -0.2, 0.0, 0.3333333333333333, 0.6666666666666666}},
    {"Mish", {-0.1456474612756246, -0.30340146137410895, -0.129926963679141, 0.0, 0.3752452113048951, 1.9439589595339946}},
};

}  // namespace

TEST_CASE("activations match numpy in f32 and f64") {
  const Shape shape{2, 3};
  const std::vector<float> x32(kX.begin(), kX.end());
  for (const ActivationCase& c : kCases) {
    INFO(c.op);
    // Float attributes (alpha = 0.01f, 0.2f, ...) are f32 values, so even
    // f64 results differ from the decimal formulas in the 8th digit.
    checkTensor(run1(c.op, {f64(shape, kX)}), DType::F64, shape, c.y, 1e-6, 1e-9);
    checkTensor(run1(c.op, {f32(shape, x32)}), DType::F32, shape, c.y, 1e-6, 1e-7);
  }
}

TEST_CASE("activation attributes") {
  const Shape shape{6};
  const Tensor x = f64(shape, kX);
  // np.where(x < 0, 0.5*x, x)
  checkTensor(run1("LeakyRelu", {x}, {{"alpha", 0.5f}}), DType::F64, shape, {-1.5, -0.5, -0.125, 0.0, 0.5, 2.0});
  // np.where(x < 0, 2.0*(np.exp(x)-1), x)
  checkTensor(run1("Elu", {x}, {{"alpha", 2.0f}}), DType::F64, shape,
              {-1.900425863264272, -1.2642411176571153, -0.44239843385719024, 0.0, 0.5, 2.0}, 1e-12);
  // 0.5*v*(1+tanh(sqrt(2/pi)*(v+0.044715*v**3)))
  checkTensor(run1("Gelu", {x}, {{"approximate", "tanh"}}), DType::F64, shape,
              {-0.0036373920817729943, -0.15880800939172324, -0.100324649298315, 0.0, 0.34571400982514394,
               1.954597694087775},
              1e-12);
  // ThresholdedRelu alpha=-1: keeps x > -1
  checkTensor(run1("ThresholdedRelu", {x}, {{"alpha", -1.0f}}), DType::F64, shape, {0, 0, -0.25, 0, 0.5, 2});
  checkError(inferOp("Gelu", {TensorType{DType::F32, {2}}}, {{"approximate", "erf"}}), ErrorKind::InvalidInput,
             {"'approximate'", "\"erf\""});
  checkError(inferOp("Celu", {TensorType{DType::F32, {2}}}, {{"alpha", 0.0f}}), ErrorKind::InvalidInput, {"alpha"});
  checkError(inferOp("LeakyRelu", {TensorType{DType::F32, {2}}}, {{"alpha", 1}}), ErrorKind::InvalidInput,
             {"'alpha' must be float, got int"});
}

TEST_CASE("Relu also takes signed integers, float activations do not") {
  checkTensor(run1("Relu", {i32({3}, {-4, 0, 7})}), DType::I32, {3}, {0, 0, 7});
  checkTensor(run1("Relu", {i64({2}, {-1, 1})}), DType::I64, {2}, {0, 1});
  checkError(inferOp("Relu", {TensorType{DType::U8, {2}}}), ErrorKind::InvalidInput, {"u8"});
  checkError(inferOp("Sigmoid", {TensorType{DType::I32, {2}}}), ErrorKind::InvalidInput, {"expected one of: f32, f64"});
  checkError(inferOp("Tanh", {TensorType{DType::F16, {2}}}), ErrorKind::Unsupported, {"f16"});
}

TEST_CASE("Softmax and LogSoftmax along one axis") {
  // Row 2 holds 1000: the max subtraction keeps exp from overflowing.
  const std::vector<double> m = {1.0, 2.0, 3.0, -1.0, 0.0, 1000.0};
  // e = np.exp(m - m.max(axis, keepdims=True)); e / e.sum(axis, keepdims=True)
  const std::vector<double> lastAxis = {0.09003057317038046, 0.24472847105479764, 0.6652409557748218, 0, 0, 1};
  checkTensor(run1("Softmax", {f32({2, 3}, {1, 2, 3, -1, 0, 1000})}), DType::F32, {2, 3}, lastAxis, 1e-6, 1e-7);
  checkTensor(run1("Softmax", {f64({2, 3}, m)}), DType::F64, {2, 3}, lastAxis, 1e-14, 1e-300);
  checkTensor(run1("Softmax", {f64({2, 3}, m)}, {{"axis", 0}}), DType::F64, {2, 3},
              {0.8807970779778823, 0.8807970779778823, 0.0, 0.11920292202211755, 0.11920292202211755, 1.0}, 1e-14,
              1e-300);
  // np.log(softmax([1, 2, 3]))
  checkTensor(run1("LogSoftmax", {f64({3}, {1, 2, 3})}), DType::F64, {3},
              {-2.40760596444438, -1.4076059644443804, -0.40760596444438046}, 1e-14);
  // LogSoftmax stays finite where Softmax underflows: -1 - 1000 = -1001.
  Tensor logs = run1("LogSoftmax", {f64({2, 3}, m)});
  CHECK(logs.data<double>()[3] == Approx(-1001.0));
}

TEST_CASE("Softmax over a middle axis of a rank-3 tensor") {
  // x = np.arange(24).reshape(2,3,4)/10, softmax over axis 1
  std::vector<double> x(24);
  for (int i = 0; i < 24; ++i) x[i] = i / 10.0;
  const double a = 0.21198272070752777, b = 0.3162410582246815, c = 0.4717762210677908;
  checkTensor(run1("Softmax", {f64({2, 3, 4}, x)}, {{"axis", 1}}), DType::F64, {2, 3, 4},
              {a, a, a, a, b, b, b, b, c, c, c, c, a, a, a, a, b, b, b, b, c, c, c, c}, 1e-13);
  checkTensor(run1("LogSoftmax", {f64({2, 3, 4}, x)}, {{"axis", -2}}), DType::F64, {2, 3, 4},
              {std::log(a), std::log(a), std::log(a), std::log(a), std::log(b), std::log(b), std::log(b), std::log(b),
               std::log(c), std::log(c), std::log(c), std::log(c), std::log(a), std::log(a), std::log(a), std::log(a),
               std::log(b), std::log(b), std::log(b), std::log(b), std::log(c), std::log(c), std::log(c), std::log(c)},
              1e-13);
}

TEST_CASE("Softmax type rule errors") {
  checkError(inferOp("Softmax", {TensorType{DType::F32, {2, 3}}}, {{"axis", 2}}), ErrorKind::InvalidInput,
             {"Softmax", "attribute 'axis'", "axis 2 is out of range for rank 2"});
  checkError(inferOp("LogSoftmax", {TensorType{DType::F32, {}}}), ErrorKind::InvalidInput, {"rank 0"});
  checkError(inferOp("Softmax", {TensorType{DType::I64, {3}}}), ErrorKind::InvalidInput, {"i64"});
  checkError(inferOp("Softmax", {TensorType{DType::BF16, {3}}}), ErrorKind::Unsupported, {"bf16"});
}

TEST_CASE("PRelu broadcasts the slope to X") {
  // x = [[-2, 1], [-4, -1]], slope per column [0.5, 3]: [[-1, 1], [-2, -3]]
  checkTensor(run1("PRelu", {f32({2, 2}, {-2, 1, -4, -1}), f32({2}, {0.5f, 3.f})}), DType::F32, {2, 2}, {-1, 1, -2, -3});
  checkTensor(run1("PRelu", {i64({3}, {-3, 0, 3}), i64({}, {2})}), DType::I64, {3}, {-6, 0, 3});
  checkError(inferOp("PRelu", {TensorType{DType::F32, {2}}, TensorType{DType::F32, {2, 2}}}), ErrorKind::InvalidInput,
             {"slope [2,2] does not broadcast to X [2]"});
  checkError(inferOp("PRelu", {TensorType{DType::F32, {2}}, TensorType{DType::F64, {2}}}), ErrorKind::InvalidInput,
             {"must match"});
}
