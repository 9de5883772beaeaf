// ir/ShapeUtil: broadcasting, axes, permutations, element counts.
#include <catch2/catch.hpp>

#include <limits>

#include "ir/ShapeUtil.h"

using namespace ingot;
using namespace ingot::ir;

TEST_CASE("broadcastShapes follows numpy") {
  CHECK(*broadcastShapes(Shape{2, 3}, Shape{3}) == Shape{2, 3});
  CHECK(*broadcastShapes(Shape{2, 1}, Shape{1, 3}) == Shape{2, 3});
  CHECK(*broadcastShapes(Shape{}, Shape{4, 5}) == Shape{4, 5});
  CHECK(*broadcastShapes(Shape{5, 1, 4}, Shape{3, 1}) == Shape{5, 3, 4});
  // A 0 dim broadcasts with 1 and itself only.
  CHECK(*broadcastShapes(Shape{0, 3}, Shape{1, 3}) == Shape{0, 3});
  auto bad = broadcastShapes(Shape{2, 3}, Shape{4});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().kind() == ErrorKind::InvalidInput);
  CHECK(bad.status().message().find("[2,3]") != std::string::npos);
  CHECK(bad.status().message().find("3 vs 4") != std::string::npos);
  CHECK_FALSE(broadcastShapes(Shape{0}, Shape{2}).ok());
}

TEST_CASE("broadcastShapes over a list") {
  const Shape shapes[] = {{2, 1, 1}, {3, 1}, {4}};
  CHECK(*broadcastShapes(std::span<const Shape>(shapes)) == Shape{2, 3, 4});
  const Shape clash[] = {{2}, {1}, {3}};
  auto bad = broadcastShapes(std::span<const Shape>(clash));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("[2], [1], [3]") != std::string::npos);
}

TEST_CASE("broadcastsTo is one-directional") {
  CHECK(broadcastsTo({3}, {2, 3}));
  CHECK(broadcastsTo({1, 3}, {2, 3}));
  CHECK(broadcastsTo({}, {2, 3}));
  CHECK_FALSE(broadcastsTo({2, 3}, {3}));
  CHECK_FALSE(broadcastsTo({2, 1}, {1, 3}));
}

TEST_CASE("normalizeAxis maps -rank..rank-1 to 0..rank-1") {
  CHECK(*normalizeAxis(-1, 3) == 2);
  CHECK(*normalizeAxis(-3, 3) == 0);
  CHECK(*normalizeAxis(2, 3) == 2);
  auto bad = normalizeAxis(3, 3);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("expected -3..2") != std::string::npos);
  CHECK_FALSE(normalizeAxis(-4, 3).ok());
  CHECK_FALSE(normalizeAxis(0, 0).ok());
}

TEST_CASE("normalizeAxes sorts and rejects duplicates") {
  const std::vector<int64_t> axes{2, -3};
  CHECK(*normalizeAxes(axes, 3) == std::vector<int64_t>{0, 2});
  const std::vector<int64_t> dup{1, -1};
  auto bad = normalizeAxes(dup, 2);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("twice") != std::string::npos);
}

TEST_CASE("ranks above kMaxRank are errors, not quadratic work") {
  std::vector<int64_t> many(100000);
  for (size_t i = 0; i < many.size(); ++i) many[i] = static_cast<int64_t>(i);
  auto axes = normalizeAxes(many, static_cast<int64_t>(many.size()) + 1);
  REQUIRE_FALSE(axes.ok());
  CHECK(axes.status().message().find("rank 100001 is above the supported maximum of 64") != std::string::npos);
  std::vector<int64_t> all(static_cast<size_t>(kMaxRank));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  CHECK(normalizeAxes(all, kMaxRank).ok());
  CHECK(checkShapeBounds(Shape(static_cast<size_t>(kMaxRank), 1)).isOk());
  Status deep = checkShapeBounds(Shape(static_cast<size_t>(kMaxRank) + 1, 1));
  REQUIRE_FALSE(deep.isOk());
  CHECK(deep.message().find("rank 65") != std::string::npos);
}

TEST_CASE("checkPermutation and permuteShape") {
  const std::vector<int64_t> perm{2, 0, 1};
  CHECK(checkPermutation(perm, 3).isOk());
  CHECK(permuteShape({4, 5, 6}, perm) == Shape{6, 4, 5});
  const std::vector<int64_t> repeated{0, 0, 1}, shortPerm{0, 1}, outOfRange{0, 1, 3};
  CHECK_FALSE(checkPermutation(repeated, 3).isOk());
  CHECK_FALSE(checkPermutation(shortPerm, 3).isOk());
  CHECK_FALSE(checkPermutation(outOfRange, 3).isOk());
}

TEST_CASE("checkedNumElements rejects negative dims and overflow") {
  CHECK(*checkedNumElements({2, 3, 4}) == 24);
  CHECK(*checkedNumElements({}) == 1);
  CHECK(*checkedNumElements({0, std::numeric_limits<int64_t>::max(), 4}) == 0);
  CHECK_FALSE(checkedNumElements({2, -1}).ok());
  CHECK_FALSE(checkedNumElements({int64_t{1} << 40, int64_t{1} << 40}).ok());
}

TEST_CASE("unravelIndex is row-major") {
  // 17 in [2,3,4]: 17 = 1*12 + 1*4 + 1
  CHECK(unravelIndex(17, {2, 3, 4}) == std::vector<int64_t>{1, 1, 1});
  CHECK(unravelIndex(0, {}) == std::vector<int64_t>{});
}
