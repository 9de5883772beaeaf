// Misc family: Constant, Identity, Dropout, Cast, CastLike, Shape, Size,
// ConstantOfShape, Range.
#include <limits>

#include "ops_test_util.h"

using namespace ingot;
using namespace ingot::ir;
using namespace ingot::ir::testing;

namespace {
using Ints = std::vector<int64_t>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST_CASE("Constant yields its value attribute") {
  const Tensor value = f32({2}, {1.5f, -2.f});
  Tensor out = run1("Constant", {}, {{"value", value}});
  CHECK(out.identical(value));
  checkError(inferOp("Constant", {}), ErrorKind::InvalidInput, {"required attribute 'value'"});
  checkError(inferOp("Constant", {}, {{"value", Tensor(DType::F16, {2})}}), ErrorKind::Unsupported,
             {"attribute 'value'", "f16"});
  checkError(inferOp("Constant", {}, {{"value", 1.0f}}), ErrorKind::InvalidInput, {"must be tensor"});
}

TEST_CASE("Identity and inference Dropout pass the operand through") {
  const Tensor x = i64({3}, {1, 2, 3});
  CHECK(run1("Identity", {x}).identical(x));
  const Tensor y = f32({2}, {0.5f, -1.f});
  CHECK(run1("Dropout", {y}).identical(y));
  CHECK(run1("Dropout", {y, f32({}, {0.3f})}, {{"seed", 7}}).identical(y));
  CHECK(run1("Dropout", {y, f32({}, {0.3f}), boolean({}, {false})}).identical(y));
  // Training mode draws a random mask: the oracle refuses rather than guess.
  checkError(runOp("Dropout", {y, f32({}, {0.3f}), boolean({}, {true})}), ErrorKind::Unsupported, {"training_mode"});
  // ratio 0 in training mode is still the identity.
  CHECK(run1("Dropout", {y, f32({}, {0.f}), boolean({}, {true})}).identical(y));
  checkError(inferOp("Dropout", {TensorType{DType::F32, {2}}, TensorType{DType::F32, {1}}}), ErrorKind::InvalidInput,
             {"operand 'ratio' must be a scalar"});
  checkError(inferOp("Identity", {TensorType{DType::BF16, {2}}}), ErrorKind::Unsupported, {"bf16"});
}

TEST_CASE("Cast converts between dtypes") {
  const int32_t max32 = std::numeric_limits<int32_t>::max(), min32 = std::numeric_limits<int32_t>::min();
  const Tensor x = f32({7}, {-2.7f, -0.5f, 0.5f, 2.7f, float(kNaN), 1e10f, -1e10f});
  // Float -> int truncates toward zero; NaN -> 0; out of range saturates.
  checkTensor(run1("Cast", {x}, {{"to", "i32"}}), DType::I32, {7}, {-2, 0, 0, 2, 0, double(max32), double(min32)});
  checkTensor(run1("Cast", {x}, {{"to", "u8"}}), DType::U8, {7}, {0, 0, 0, 2, 0, 255, 0});
  // x -> bool is x != 0; NaN is nonzero.
  checkTensor(run1("Cast", {f32({3}, {0.f, -0.5f, float(kNaN)})}, {{"to", "bool"}}), DType::Bool, {3}, {0, 1, 1});
  // Integer -> narrower integer wraps: 300 = 256 + 44, -1 -> 255.
  checkTensor(run1("Cast", {i32({2}, {300, -1})}, {{"to", "u8"}}), DType::U8, {2}, {44, 255});
  checkTensor(run1("Cast", {boolean({2}, {true, false})}, {{"to", "f32"}}), DType::F32, {2}, {1, 0});
  checkTensor(run1("Cast", {i64({1}, {(int64_t{1} << 53) + 1})}, {{"to", "f64"}}), DType::F64, {1},
              {9007199254740992.0});  // 2^53 + 1 rounds to even 2^53
  checkTensor(run1("Cast", {f64({1}, {0.1})}, {{"to", "f32"}}), DType::F32, {1}, {double(0.1f)}, 0, 0);
  checkTensor(run1("Cast", {x}, {{"to", "f32"}, {"saturate", 0}}), DType::F32, {7},
              {-2.7f, -0.5f, 0.5f, 2.7f, kNaN, 1e10f, -1e10f});
  checkError(inferOp("Cast", {TensorType{DType::F32, {2}}}, {{"to", "f17"}}), ErrorKind::InvalidInput,
             {"\"f17\"", "not a dtype"});
  checkError(inferOp("Cast", {TensorType{DType::F32, {2}}}, {{"to", "f16"}}), ErrorKind::Unsupported,
             {"attribute 'to'", "f16"});
  checkError(inferOp("Cast", {TensorType{DType::F32, {2}}}), ErrorKind::InvalidInput, {"required attribute 'to'"});
}

TEST_CASE("CastLike takes the dtype of its second operand") {
  checkTensor(run1("CastLike", {f64({2}, {1.9, -1.9}), i64({}, {0})}), DType::I64, {2}, {1, -1});
  checkError(inferOp("CastLike", {TensorType{DType::F32, {2}}, TensorType{DType::F16, {}}}), ErrorKind::Unsupported,
             {"operand 'target_type'"});
}

TEST_CASE("Shape and Size read the operand's type") {
  const Tensor x = iota(DType::F32, {2, 3, 4});
  checkTensor(run1("Shape", {x}), DType::I64, {3}, {2, 3, 4});
  checkTensor(run1("Shape", {x}, {{"start", 1}}), DType::I64, {2}, {3, 4});
  checkTensor(run1("Shape", {x}, {{"end", -1}}), DType::I64, {2}, {2, 3});
  checkTensor(run1("Shape", {x}, {{"start", -10}, {"end", 1}}), DType::I64, {1}, {2});  // start clamps to 0
  checkTensor(run1("Shape", {x}, {{"start", 2}, {"end", 1}}), DType::I64, {0}, {});
  checkTensor(run1("Shape", {f32({}, {1})}), DType::I64, {0}, {});
  checkTensor(run1("Size", {x}), DType::I64, {}, {24});
  checkTensor(run1("Size", {f32({0, 5}, {})}), DType::I64, {}, {0});
  // They never read elements, so f16 operands are fine.
  auto types = inferOp("Shape", {TensorType{DType::F16, {5, 6}}});
  REQUIRE(types.ok());
  CHECK(types->at(0) == TensorType{DType::I64, {2}});
}

TEST_CASE("ConstantOfShape fills a shape with one value") {
  checkTensor(run1("ConstantOfShape", {}, {{"shape", Ints{2, 3}}}), DType::F32, {2, 3}, {0, 0, 0, 0, 0, 0});
  checkTensor(run1("ConstantOfShape", {}, {{"shape", Ints{2}}, {"value", i64({1}, {7})}}), DType::I64, {2}, {7, 7});
  checkTensor(run1("ConstantOfShape", {}, {{"shape", Ints{}}, {"value", boolean({1}, {true})}}), DType::Bool, {}, {1});
  checkTensor(run1("ConstantOfShape", {}, {{"shape", Ints{0}}}), DType::F32, {0}, {});
  checkError(inferOp("ConstantOfShape", {}, {{"shape", Ints{2}}, {"value", f32({2}, {1, 2})}}), ErrorKind::InvalidInput,
             {"one element"});
  checkError(inferOp("ConstantOfShape", {}, {{"shape", Ints{2, -3}}}), ErrorKind::InvalidInput,
             {"attribute 'shape'", "negative"});
}

TEST_CASE("Range counts from start by delta up to limit") {
  // np.arange(1, 2, 0.25) = [1, 1.25, 1.5, 1.75]
  checkTensor(run1("Range", {}, {{"start", f32({}, {1})}, {"limit", f32({}, {2})}, {"delta", f32({}, {0.25f})}}),
              DType::F32, {4}, {1, 1.25, 1.5, 1.75});
  // np.arange(10, 4, -3) = [10, 7]
  checkTensor(run1("Range", {}, {{"start", i64({}, {10})}, {"limit", i64({}, {4})}, {"delta", i64({}, {-3})}}),
              DType::I64, {2}, {10, 7});
  // np.arange(0, 10, 3) = [0, 3, 6, 9]: ceil((10 - 0) / 3) = 4 elements
  checkTensor(run1("Range", {}, {{"start", i32({}, {0})}, {"limit", i32({}, {10})}, {"delta", i32({}, {3})}}),
              DType::I32, {4}, {0, 3, 6, 9});
  checkTensor(run1("Range", {}, {{"start", i32({}, {5})}, {"limit", i32({}, {1})}, {"delta", i32({}, {1})}}),
              DType::I32, {0}, {});
  checkError(inferOp("Range", {}, {{"start", i32({}, {0})}, {"limit", i32({}, {1})}, {"delta", i32({}, {0})}}),
             ErrorKind::InvalidInput, {"'delta' must be nonzero"});
  checkError(inferOp("Range", {}, {{"start", i32({}, {0})}, {"limit", i64({}, {1})}, {"delta", i32({}, {1})}}),
             ErrorKind::InvalidInput, {"'limit' has dtype i64"});
  checkError(inferOp("Range", {}, {{"start", i32({2}, {0, 1})}, {"limit", i32({}, {1})}, {"delta", i32({}, {1})}}),
             ErrorKind::InvalidInput, {"must be a scalar"});
  checkError(inferOp("Range", {}, {{"start", f64({}, {0})}, {"limit", f64({}, {1e300})}, {"delta", f64({}, {1e-300})}}),
             ErrorKind::InvalidInput, {"too many"});
}
