// Shape family: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat,
// Expand, Tile, Slice, Gather.
#include <limits>

#include "ops_test_util.h"

using namespace ingot;
using namespace ingot::ir;
using namespace ingot::ir::testing;

namespace {
using Ints = std::vector<int64_t>;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// 0, 1, ..., n-1 as doubles: the expected values of a pure reshape of iota.
std::vector<double> upTo(int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

Shape resultShape(std::string_view op, TensorType operand, AttrMap attrs) {
  auto types = inferOp(op, {operand}, std::move(attrs));
  INFO(types.status().message());
  REQUIRE(types.ok());
  return types->at(0).shape;
}
}  // namespace

TEST_CASE("Reshape keeps the elements in order") {
  checkTensor(run1("Reshape", {iota(DType::F32, {2, 3})}, {{"shape", Ints{3, 2}}}), DType::F32, {3, 2}, upTo(6));
  checkTensor(run1("Reshape", {iota(DType::Bool, {2, 1})}, {{"shape", Ints{2}}}), DType::Bool, {2}, {0, 1});
  const TensorType x{DType::F32, {2, 3, 4}};
  CHECK(resultShape("Reshape", x, {{"shape", Ints{0, -1}}}) == Shape{2, 12});   // 0 copies dim 0
  CHECK(resultShape("Reshape", x, {{"shape", Ints{-1}}}) == Shape{24});
  CHECK(resultShape("Reshape", x, {{"shape", Ints{4, 0, 2}}}) == Shape{4, 3, 2});  // 0 copies dim 1
  CHECK(resultShape("Reshape", {DType::F32, {}}, {{"shape", Ints{1, 1}}}) == Shape{1, 1});
  CHECK(resultShape("Reshape", {DType::F32, {0, 4}}, {{"shape", Ints{0, 4}}, {"allowzero", 1}}) == Shape{0, 4});
  CHECK(resultShape("Reshape", {DType::F32, {1}}, {{"shape", Ints{}}}) == Shape{});
}

TEST_CASE("Reshape errors") {
  const TensorType x{DType::F32, {2, 3, 4}};
  checkError(inferOp("Reshape", {x}, {{"shape", Ints{-1, -1}}}), ErrorKind::InvalidInput, {"more than one -1"});
  checkError(inferOp("Reshape", {x}, {{"shape", Ints{5, 5}}}), ErrorKind::InvalidInput,
             {"shape [5,5] has 25 elements but the input f32[2,3,4] has 24"});
  checkError(inferOp("Reshape", {x}, {{"shape", Ints{5, -1}}}), ErrorKind::InvalidInput, {"cannot infer the -1"});
  checkError(inferOp("Reshape", {x}, {{"shape", Ints{-2, -12}}}), ErrorKind::InvalidInput, {"negative dim"});
  checkError(inferOp("Reshape", {x}, {{"shape", Ints{1, 1, 1, 0}}}), ErrorKind::InvalidInput, {"position 3", "rank 3"});
  checkError(inferOp("Reshape", {TensorType{DType::F32, {0, 4}}}, {{"shape", Ints{0, -1}}, {"allowzero", 1}}),
             ErrorKind::InvalidInput, {"both 0 and -1"});
  checkError(inferOp("Reshape", {x}), ErrorKind::InvalidInput, {"required attribute 'shape' is missing"});
  checkError(inferOp("Reshape", {x}, {{"shape", 4}}), ErrorKind::InvalidInput, {"'shape' must be ints, got int"});
  checkError(inferOp("Reshape", {TensorType{DType::F16, {2}}}, {{"shape", Ints{2}}}), ErrorKind::Unsupported, {"f16"});
}

TEST_CASE("Flatten splits the dims at axis") {
  const TensorType x{DType::I32, {2, 3, 4}};
  CHECK(resultShape("Flatten", x, {}) == Shape{2, 12});
  CHECK(resultShape("Flatten", x, {{"axis", 0}}) == Shape{1, 24});
  CHECK(resultShape("Flatten", x, {{"axis", 3}}) == Shape{24, 1});
  CHECK(resultShape("Flatten", x, {{"axis", -1}}) == Shape{6, 4});
  CHECK(resultShape("Flatten", x, {{"axis", -3}}) == Shape{1, 24});
  checkError(inferOp("Flatten", {x}, {{"axis", -4}}), ErrorKind::InvalidInput, {"axis -4", "expected -3..3"});
  checkTensor(run1("Flatten", {iota(DType::I32, {2, 3, 4})}), DType::I32, {2, 12}, upTo(24));
  checkError(inferOp("Flatten", {x}, {{"axis", 4}}), ErrorKind::InvalidInput, {"attribute 'axis'", "axis 4"});
}

TEST_CASE("Squeeze and Unsqueeze") {
  const TensorType x{DType::F32, {1, 3, 1, 2}};
  CHECK(resultShape("Squeeze", x, {}) == Shape{3, 2});
  CHECK(resultShape("Squeeze", x, {{"axes", Ints{0}}}) == Shape{3, 1, 2});
  CHECK(resultShape("Squeeze", x, {{"axes", Ints{-2}}}) == Shape{1, 3, 2});
  checkTensor(run1("Squeeze", {iota(DType::F32, {1, 3, 1, 2})}), DType::F32, {3, 2}, upTo(6));
  checkError(inferOp("Squeeze", {x}, {{"axes", Ints{1}}}), ErrorKind::InvalidInput, {"cannot squeeze axis 1", "size is 3"});
  checkError(inferOp("Squeeze", {x}, {{"axes", Ints{4}}}), ErrorKind::InvalidInput, {"'axes'", "out of range"});

  const TensorType y{DType::F32, {3, 2}};
  CHECK(resultShape("Unsqueeze", y, {{"axes", Ints{0, 3}}}) == Shape{1, 3, 2, 1});
  CHECK(resultShape("Unsqueeze", y, {{"axes", Ints{-1}}}) == Shape{3, 2, 1});
  CHECK(resultShape("Unsqueeze", y, {{"axes", Ints{1, 0}}}) == Shape{1, 1, 3, 2});
  CHECK(resultShape("Unsqueeze", {DType::F32, {}}, {{"axes", Ints{0}}}) == Shape{1});
  checkTensor(run1("Unsqueeze", {iota(DType::I64, {3, 2})}, {{"axes", Ints{1}}}), DType::I64, {3, 1, 2}, upTo(6));
  checkError(inferOp("Unsqueeze", {y}, {{"axes", Ints{1, 1}}}), ErrorKind::InvalidInput, {"twice"});
  checkError(inferOp("Unsqueeze", {y}, {{"axes", Ints{3}}}), ErrorKind::InvalidInput, {"out of range for rank 3"});
  checkError(inferOp("Unsqueeze", {y}, {{"axes", Ints{}}}), ErrorKind::InvalidInput, {"must not be empty"});
  checkError(inferOp("Unsqueeze", {y}), ErrorKind::InvalidInput, {"required attribute 'axes'"});
}

TEST_CASE("Transpose") {
  // Default perm reverses: [[0,1,2],[3,4,5]]^T = [[0,3],[1,4],[2,5]]
  checkTensor(run1("Transpose", {iota(DType::F32, {2, 3})}), DType::F32, {3, 2}, {0, 3, 1, 4, 2, 5});
  // np.arange(24).reshape(2,3,4).transpose(1,2,0)
  checkTensor(run1("Transpose", {iota(DType::I32, {2, 3, 4})}, {{"perm", Ints{1, 2, 0}}}), DType::I32, {3, 4, 2},
              {0, 12, 1, 13, 2, 14, 3, 15, 4, 16, 5, 17, 6, 18, 7, 19, 8, 20, 9, 21, 10, 22, 11, 23});
  checkTensor(run1("Transpose", {iota(DType::Bool, {})}), DType::Bool, {}, {0});
  const TensorType x{DType::F32, {2, 3, 4}};
  checkError(inferOp("Transpose", {x}, {{"perm", Ints{0, 0, 1}}}), ErrorKind::InvalidInput,
             {"attribute 'perm'", "not a permutation"});
  checkError(inferOp("Transpose", {x}, {{"perm", Ints{1, 0}}}), ErrorKind::InvalidInput, {"2 entries, expected 3"});
}

TEST_CASE("Concat along an axis") {
  // [[0,1],[2,3]] ++ [[10,11]] on axis 0
  checkTensor(run1("Concat", {iota(DType::F32, {2, 2}), f32({1, 2}, {10, 11})}, {{"axis", 0}}), DType::F32, {3, 2},
              {0, 1, 2, 3, 10, 11});
  // axis -1: [[0,1],[2,3]] ++ [[7],[8]] ++ [[],[]]
  checkTensor(run1("Concat", {iota(DType::I64, {2, 2}), i64({2, 1}, {7, 8}), i64({2, 0}, {})}, {{"axis", -1}}),
              DType::I64, {2, 3}, {0, 1, 7, 2, 3, 8});
  checkTensor(run1("Concat", {boolean({1}, {true})}, {{"axis", 0}}), DType::Bool, {1}, {1});
  const TensorType a{DType::F32, {2, 2}};
  checkError(inferOp("Concat", {a, TensorType{DType::F32, {3, 3}}}, {{"axis", 0}}), ErrorKind::InvalidInput,
             {"operand 'inputs[1]' has shape [3,3]", "outside axis 0"});
  checkError(inferOp("Concat", {a, TensorType{DType::F32, {2}}}, {{"axis", 0}}), ErrorKind::InvalidInput,
             {"does not match"});
  checkError(inferOp("Concat", {a, TensorType{DType::I32, {2, 2}}}, {{"axis", 0}}), ErrorKind::InvalidInput,
             {"must match"});
  checkError(inferOp("Concat", {a}, {{"axis", 2}}), ErrorKind::InvalidInput, {"axis 2"});
  checkError(inferOp("Concat", {a}), ErrorKind::InvalidInput, {"required attribute 'axis'"});
}

TEST_CASE("Expand broadcasts both ways") {
  // [[0],[1],[2]] to [2,1,4]: out[i,j,k] = j
  checkTensor(run1("Expand", {iota(DType::F32, {3, 1})}, {{"shape", Ints{2, 1, 4}}}), DType::F32, {2, 3, 4},
              {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2});
  CHECK(resultShape("Expand", {DType::F32, {3}}, {{"shape", Ints{1}}}) == Shape{3});
  checkError(inferOp("Expand", {TensorType{DType::F32, {3}}}, {{"shape", Ints{2}}}), ErrorKind::InvalidInput,
             {"attribute 'shape'", "do not broadcast"});
  checkError(inferOp("Expand", {TensorType{DType::F32, {3}}}, {{"shape", Ints{-1}}}), ErrorKind::InvalidInput,
             {"negative"});
}

TEST_CASE("Tile repeats along each dim") {
  // np.tile([[1,2],[3,4]], (2,3))
  checkTensor(run1("Tile", {i32({2, 2}, {1, 2, 3, 4})}, {{"repeats", Ints{2, 3}}}), DType::I32, {4, 6},
              {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4});
  CHECK(resultShape("Tile", {DType::F32, {2, 3}}, {{"repeats", Ints{0, 1}}}) == Shape{0, 3});
  checkError(inferOp("Tile", {TensorType{DType::F32, {2, 3}}}, {{"repeats", Ints{2}}}), ErrorKind::InvalidInput,
             {"1 entries, expected 2"});
  checkError(inferOp("Tile", {TensorType{DType::F32, {2}}}, {{"repeats", Ints{-1}}}), ErrorKind::InvalidInput,
             {"negative"});
  checkError(inferOp("Tile", {TensorType{DType::F32, {2}}}, {{"repeats", Ints{kMax}}}), ErrorKind::InvalidInput,
             {"overflow"});
}

TEST_CASE("Slice follows numpy / ONNX clamping") {
  const Tensor y = iota(DType::I64, {4, 5});  // np.arange(20).reshape(4,5)
  // y[1:3, 0:5:2]
  checkTensor(run1("Slice", {y}, {{"starts", Ints{1, 0}}, {"ends", Ints{3, 5}}, {"steps", Ints{1, 2}}}), DType::I64,
              {2, 3}, {5, 7, 9, 10, 12, 14});
  // y[:, ::-1] written ONNX-style: start -1, end INT64_MIN, step -1 on axis 1
  checkTensor(run1("Slice", {y}, {{"starts", Ints{-1}}, {"ends", Ints{kMin}}, {"axes", Ints{1}}, {"steps", Ints{-1}}}),
              DType::I64, {4, 5}, {4, 3, 2, 1, 0, 9, 8, 7, 6, 5, 14, 13, 12, 11, 10, 19, 18, 17, 16, 15});
  // y[-1:-4:-2, 3:] with axes given in reverse and negative
  checkTensor(run1("Slice", {y}, {{"starts", Ints{3, -1}}, {"ends", Ints{kMax, -4}}, {"axes", Ints{-1, 0}},
                                 {"steps", Ints{1, -2}}}),
              DType::I64, {2, 2}, {18, 19, 8, 9});
  // Out-of-range starts clamp: y[10:20] is empty; y[-100:1] is row 0.
  CHECK(resultShape("Slice", {DType::I64, {4, 5}}, {{"starts", Ints{10}}, {"ends", Ints{20}}}) == Shape{0, 5});
  CHECK(resultShape("Slice", {DType::I64, {4, 5}}, {{"starts", Ints{-100}}, {"ends", Ints{1}}}) == Shape{1, 5});
  // Huge steps give one element; an empty dim slices to empty either way.
  CHECK(resultShape("Slice", {DType::I64, {4}}, {{"starts", Ints{0}}, {"ends", Ints{4}}, {"steps", Ints{kMax}}}) ==
        Shape{1});
  CHECK(resultShape("Slice", {DType::I64, {4}}, {{"starts", Ints{-1}}, {"ends", Ints{kMin}}, {"steps", Ints{kMin}}}) ==
        Shape{1});
  CHECK(resultShape("Slice", {DType::I64, {0}}, {{"starts", Ints{0}}, {"ends", Ints{-1}}, {"steps", Ints{-1}}}) ==
        Shape{0});
}

TEST_CASE("Slice errors") {
  const TensorType y{DType::F32, {4, 5}};
  checkError(inferOp("Slice", {y}, {{"starts", Ints{0}}, {"ends", Ints{1}}, {"steps", Ints{0}}}),
             ErrorKind::InvalidInput, {"'steps' has a 0"});
  checkError(inferOp("Slice", {y}, {{"starts", Ints{0, 0}}, {"ends", Ints{1}}}), ErrorKind::InvalidInput,
             {"one length", "2, 1"});
  checkError(inferOp("Slice", {y}, {{"starts", Ints{0, 0}}, {"ends", Ints{1, 1}}, {"axes", Ints{1, -1}}}),
             ErrorKind::InvalidInput, {"'axes'", "twice"});
  checkError(inferOp("Slice", {y}, {{"starts", Ints{0}}, {"ends", Ints{1}}, {"axes", Ints{2}}}),
             ErrorKind::InvalidInput, {"out of range"});
}

TEST_CASE("Gather takes entries along an axis") {
  const Tensor g = i64({3, 2}, {0, 10, 20, 30, 40, 50});
  // np.take(g, [[0,1],[1,2]], axis=0)
  checkTensor(run1("Gather", {g, i64({2, 2}, {0, 1, 1, 2})}), DType::I64, {2, 2, 2}, {0, 10, 20, 30, 20, 30, 40, 50});
  // np.take(g, [-1, 0], axis=1): negative indices count from the end
  checkTensor(run1("Gather", {g, i32({2}, {-1, 0})}, {{"axis", 1}}), DType::I64, {3, 2}, {10, 0, 30, 20, 50, 40});
  // A scalar index removes the axis: g[2] = [40, 50]
  checkTensor(run1("Gather", {g, i64({}, {2})}), DType::I64, {2}, {40, 50});
  // Out-of-range indices are data, found by the kernel.
  checkError(runOp("Gather", {g, i64({1}, {3})}), ErrorKind::InvalidInput, {"index 3 is out of range for axis 0 of size 3"});
  checkError(runOp("Gather", {g, i64({1}, {-4})}), ErrorKind::InvalidInput, {"index -4"});
  checkError(inferOp("Gather", {TensorType{DType::F32, {3}}, TensorType{DType::F32, {1}}}), ErrorKind::InvalidInput,
             {"operand 'indices'", "expected one of: i32, i64"});
  checkError(inferOp("Gather", {TensorType{DType::F32, {3}}, TensorType{DType::I64, {1}}}, {{"axis", 1}}),
             ErrorKind::InvalidInput, {"axis 1"});
}
