// Shape arithmetic shared by type rules, kernels and passes: numpy
// broadcasting, axis normalization, permutations. Every function validates
// its input and returns an error value (InvalidInput) whose message names the
// offending numbers; callers prefix it with the node and attribute it came
// from.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::ir {

// Numpy multidirectional broadcasting: shapes are right-aligned, and each
// pair of dims must be equal or one of them 1. "[2,3] vs [4]" fails with a
// message naming both shapes and the clashing dims.
Expected<Shape> broadcastShapes(const Shape& a, const Shape& b);
Expected<Shape> broadcastShapes(std::span<const Shape> shapes);

// Unidirectional broadcasting (ONNX Gemm's C): true when `from` broadcasts to
// exactly `to` without changing `to`.
bool broadcastsTo(const Shape& from, const Shape& to);

// Maps an axis in [-rank, rank-1] to [0, rank-1].
Expected<int64_t> normalizeAxis(int64_t axis, int64_t rank);
// Normalizes each axis and rejects duplicates (after normalization, so
// [1, -1] on rank 2 is a duplicate). Returns the axes sorted ascending.
// A rank above kMaxRank is an error.
Expected<std::vector<int64_t>> normalizeAxes(std::span<const int64_t> axes, int64_t rank);

// A permutation of 0..rank-1 (each exactly once).
Status checkPermutation(std::span<const int64_t> perm, int64_t rank);
// out[i] = shape[perm[i]]; perm must be valid.
Shape permuteShape(const Shape& shape, std::span<const int64_t> perm);

// Dims must be >= 0 and the element count must fit in int64: shapes built
// from attributes (Reshape, Expand, Tile, ...) go through this so a
// malformed model is an error, not an overflow.
Expected<int64_t> checkedNumElements(const Shape& shape);
// The size bound Graph puts on every value it creates (the verifier's rule,
// less the sign of dims, which the verifier reports): each dim at most 2^40
// and the product of the positive dims at most 2^40, so shape arithmetic
// on them (sums, products of a few dims) cannot overflow, also for empty
// tensors ([0, 2^62] is rejected).
// Also the rank at most kMaxRank: type rules walk axis lists against the
// dims, and an attribute with a million axes must be an error, not minutes
// of quadratic work (found by fuzz_onnx). Real models stay below 8.
inline constexpr int64_t kMaxShapeElements = int64_t{1} << 40;
inline constexpr int64_t kMaxRank = 64;
Status checkShapeBounds(const Shape& shape);

// The product of the positive dims, at most `limit + 1` (counted with a bound
// at each step, so any dims are safe): how many steps a kernel's loop nest
// over `shape` may take even when the tensor is empty. An empty [2^32, 0]
// has no elements yet a per-row loop runs 2^32 times, so constant folding
// bounds this, not the element count, for operands and results alike
// (found by fuzz_onnx: a folded MatMul of [2^32, 0, 2] allocated 32 GiB of
// batch indices).
int64_t loopExtent(const Shape& shape, int64_t limit);

// Row-major multi-index <-> linear index.
std::vector<int64_t> unravelIndex(int64_t linear, const Shape& shape);

}  // namespace ingot::ir
