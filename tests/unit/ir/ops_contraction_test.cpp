// Contraction family: MatMul and Gemm.
#include "ops_test_util.h"

using namespace ingot;
using namespace ingot::ir;
using namespace ingot::ir::testing;

namespace {
// A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]], A @ B = [[58,64],[139,154]]
//   58 = 1*7 + 2*9 + 3*11, 64 = 1*8 + 2*10 + 3*12, 139 = 4*7 + 5*9 + 6*11, 154 = 4*8 + 5*10 + 6*12
const std::vector<float> kA = {1, 2, 3, 4, 5, 6};
const std::vector<float> kB = {7, 8, 9, 10, 11, 12};
}  // namespace

TEST_CASE("MatMul of matrices") {
  checkTensor(run1("MatMul", {f32({2, 3}, kA), f32({3, 2}, kB)}), DType::F32, {2, 2}, {58, 64, 139, 154});
  checkTensor(run1("MatMul", {f64({2, 3}, {1, 2, 3, 4, 5, 6}), f64({3, 2}, {7, 8, 9, 10, 11, 12})}), DType::F64,
              {2, 2}, {58, 64, 139, 154});
  checkTensor(run1("MatMul", {i64({2, 3}, {1, 2, 3, 4, 5, 6}), i64({3, 2}, {7, 8, 9, 10, 11, 12})}), DType::I64,
              {2, 2}, {58, 64, 139, 154});
  checkTensor(run1("MatMul", {i32({1, 2}, {-1, 2}), i32({2, 1}, {3, 4})}), DType::I32, {1, 1}, {5});
  // K = 0: every result element is an empty sum.
  checkTensor(run1("MatMul", {f32({2, 0}, {}), f32({0, 3}, {})}), DType::F32, {2, 3}, {0, 0, 0, 0, 0, 0});
}

TEST_CASE("MatMul promotes 1-D operands and drops the added dim") {
  // [1,2,3] @ B = [58, 64]; A @ [1,1,1] = [6, 15]; [1,2,3] . [4,5,6] = 32
  checkTensor(run1("MatMul", {f32({3}, {1, 2, 3}), f32({3, 2}, kB)}), DType::F32, {2}, {58, 64});
  checkTensor(run1("MatMul", {f32({2, 3}, kA), f32({3}, {1, 1, 1})}), DType::F32, {2}, {6, 15});
  checkTensor(run1("MatMul", {f32({3}, {1, 2, 3}), f32({3}, {4, 5, 6})}), DType::F32, {}, {32});
  // 1-D with a batched operand: [3] @ [2,3,2] -> [2,2]
  checkTensor(run1("MatMul", {f32({3}, {1, 2, 3}), iota(DType::F32, {2, 3, 2})}), DType::F32, {2, 2},
              {16, 22, 52, 58});  // [1,2,3] @ [[0,1],[2,3],[4,5]] = [16,22]; +6 per entry of the next batch: [52,58]
}

TEST_CASE("MatMul broadcasts batch dims") {
  // numpy: A = np.arange(12).reshape(2,1,2,3); B = np.arange(18).reshape(3,3,2) - 5; (A @ B).ravel()
  Tensor b = iota(DType::I64, {3, 3, 2});
  for (int64_t i = 0; i < 18; ++i) b.data<int64_t>()[i] -= 5;
  checkTensor(run1("MatMul", {iota(DType::I64, {2, 1, 2, 3}), b}), DType::I64, {2, 3, 2, 2},
              {-5, -2, -32, -20, 13, 16, 40, 52, 31, 34, 112, 124, -59, -38, -86, -56, 67, 88, 94, 124, 193, 214, 274, 304});
}

TEST_CASE("MatMul accumulates f32 in double") {
  // 1e8 + 1 - 1e8: in float the 1 is lost (1e8 + 1 rounds to 1e8); the
  // oracle's double accumulator keeps it.
  checkTensor(run1("MatMul", {f32({1, 3}, {1e8f, 1.f, -1e8f}), f32({3, 1}, {1, 1, 1})}), DType::F32, {1, 1}, {1});
}

TEST_CASE("MatMul type rule errors") {
  checkError(inferOp("MatMul", {TensorType{DType::F32, {2, 3}}, TensorType{DType::F32, {4, 2}}}),
             ErrorKind::InvalidInput, {"MatMul", "inner dims do not match", "[2,3]", "3 columns", "[4,2]", "4 rows"});
  checkError(inferOp("MatMul", {TensorType{DType::F32, {}}, TensorType{DType::F32, {2}}}), ErrorKind::InvalidInput,
             {"rank >= 1"});
  checkError(inferOp("MatMul", {TensorType{DType::F32, {2, 2, 3}}, TensorType{DType::F32, {3, 3, 2}}}),
             ErrorKind::InvalidInput, {"batch dims", "do not broadcast"});
  checkError(inferOp("MatMul", {TensorType{DType::F32, {2, 3}}, TensorType{DType::F64, {3, 2}}}),
             ErrorKind::InvalidInput, {"must match"});
  checkError(inferOp("MatMul", {TensorType{DType::Bool, {2, 3}}, TensorType{DType::Bool, {3, 2}}}),
             ErrorKind::InvalidInput, {"bool"});
  checkError(inferOp("MatMul", {TensorType{DType::F16, {2, 3}}, TensorType{DType::F16, {3, 2}}}),
             ErrorKind::Unsupported, {"f16"});
}

TEST_CASE("Gemm: alpha * A' B' + beta * C") {
  // 2 * [[58,64],[139,154]] + 0.5 * [1,-1] = [[116.5,127.5],[278.5,307.5]]
  checkTensor(run1("Gemm", {f32({2, 3}, kA), f32({3, 2}, kB), f32({2}, {1, -1})}, {{"alpha", 2.f}, {"beta", 0.5f}}),
              DType::F32, {2, 2}, {116.5, 127.5, 278.5, 307.5});
  // No C, defaults.
  checkTensor(run1("Gemm", {f32({2, 3}, kA), f32({3, 2}, kB)}), DType::F32, {2, 2}, {58, 64, 139, 154});
  // C [2,1] broadcasts along columns: + [[100],[200]]
  checkTensor(run1("Gemm", {f32({2, 3}, kA), f32({3, 2}, kB), f32({2, 1}, {100, 200})}), DType::F32, {2, 2},
              {158, 164, 339, 354});
  // Scalar C.
  checkTensor(run1("Gemm", {f32({2, 3}, kA), f32({3, 2}, kB), f32({}, {1})}), DType::F32, {2, 2}, {59, 65, 140, 155});
  // transA: A given as A^T = [[1,4],[2,5],[3,6]]; transB: B given as B^T = [[7,9,11],[8,10,12]].
  const Tensor aT = f32({3, 2}, {1, 4, 2, 5, 3, 6}), bT = f32({2, 3}, {7, 9, 11, 8, 10, 12});
  checkTensor(run1("Gemm", {aT, f32({3, 2}, kB)}, {{"transA", 1}}), DType::F32, {2, 2}, {58, 64, 139, 154});
  checkTensor(run1("Gemm", {f32({2, 3}, kA), bT}, {{"transB", 1}}), DType::F32, {2, 2}, {58, 64, 139, 154});
  checkTensor(run1("Gemm", {aT, bT}, {{"transA", 1}, {"transB", 1}}), DType::F32, {2, 2}, {58, 64, 139, 154});
  // Integers go through double: 1*7 + ... as above, + C.
  checkTensor(run1("Gemm", {i64({2, 3}, {1, 2, 3, 4, 5, 6}), i64({3, 2}, {7, 8, 9, 10, 11, 12}), i64({2}, {1, 2})}),
              DType::I64, {2, 2}, {59, 66, 140, 156});
}

TEST_CASE("Gemm type rule errors") {
  const TensorType a{DType::F32, {2, 3}}, b{DType::F32, {3, 2}};
  checkError(inferOp("Gemm", {a, b, TensorType{DType::F32, {3}}}), ErrorKind::InvalidInput,
             {"C [3] does not broadcast to the result shape [2,2]"});
  checkError(inferOp("Gemm", {TensorType{DType::F32, {2, 3, 1}}, b}), ErrorKind::InvalidInput, {"rank 2"});
  checkError(inferOp("Gemm", {a, b}, {{"transB", 1}}), ErrorKind::InvalidInput,
             {"inner dims do not match", "K=3", "K=2"});
  checkError(inferOp("Gemm", {a, b}, {{"transA", 2}}), ErrorKind::InvalidInput, {"'transA' must be 0 or 1"});
  checkError(inferOp("Gemm", {a, b, TensorType{DType::F64, {2}}}), ErrorKind::InvalidInput, {"operand 'C'"});
  checkError(inferOp("Gemm", {a}), ErrorKind::InvalidInput, {"operands"});
}
