#include "ir/ShapeUtil.h"

#include <algorithm>
#include <limits>

namespace ingot::ir {

Expected<Shape> broadcastShapes(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  // Walk from the last dim backwards: dims are right-aligned.
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    int64_t d;
    if (da == db || db == 1) d = da;
    else if (da == 1) d = db;
    else
      return invalidInput("shapes {} and {} do not broadcast (dim {} from the end: {} vs {})",
                          shapeToString(a), shapeToString(b), i + 1, da, db);
    out[rank - 1 - i] = d;
  }
  return out;
}

Expected<Shape> broadcastShapes(std::span<const Shape> shapes) {
  Shape out;  // the scalar shape broadcasts with anything
  for (const Shape& s : shapes) {
    auto next = broadcastShapes(out, s);
    if (!next.ok()) {
      std::vector<std::string> all;
      for (const Shape& t : shapes) all.push_back(shapeToString(t));
      return invalidInput("shapes {} do not broadcast ({})", fmt::join(all, ", "),
                          next.status().message());
    }
    out = std::move(next).value();
  }
  return out;
}

bool broadcastsTo(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  for (size_t i = 0; i < from.size(); ++i) {
    const int64_t f = from[from.size() - 1 - i];
    const int64_t t = to[to.size() - 1 - i];
    if (f != t && f != 1) return false;
  }
  return true;
}

Expected<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    if (rank == 0) return invalidInput("axis {} is out of range: the tensor has rank 0", axis);
    return invalidInput("axis {} is out of range for rank {} (expected {}..{})", axis, rank, -rank,
                        rank - 1);
  }
  return axis < 0 ? axis + rank : axis;
}

Expected<std::vector<int64_t>> normalizeAxes(std::span<const int64_t> axes, int64_t rank) {
  if (rank > kMaxRank) return invalidInput("rank {} is above the supported maximum of {}", rank, kMaxRank);
  std::vector<int64_t> out;
  std::vector<bool> seen(static_cast<size_t>(std::max<int64_t>(rank, 0)), false);
  for (int64_t a : axes) {
    INGOT_ASSIGN_OR_RETURN(int64_t n, normalizeAxis(a, rank));
    if (seen[static_cast<size_t>(n)])
      return invalidInput("axis {} appears twice in [{}] (rank {})", n, fmt::join(axes, ","), rank);
    seen[static_cast<size_t>(n)] = true;
    out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status checkPermutation(std::span<const int64_t> perm, int64_t rank) {
  if (static_cast<int64_t>(perm.size()) != rank)
    return invalidInput("permutation [{}] has {} entries, expected {} (the rank)",
                        fmt::join(perm, ","), perm.size(), rank);
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[static_cast<size_t>(p)])
      return invalidInput("[{}] is not a permutation of 0..{}", fmt::join(perm, ","), rank - 1);
    seen[static_cast<size_t>(p)] = true;
  }
  return Status::ok();
}

Shape permuteShape(const Shape& shape, std::span<const int64_t> perm) {
  Shape out;
  for (int64_t p : perm) out.push_back(shape[static_cast<size_t>(p)]);
  return out;
}

Expected<int64_t> checkedNumElements(const Shape& shape) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t d : shape) {
    if (d < 0) return invalidInput("shape {} has a negative dim", shapeToString(shape));
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) overflow = true;
    else n *= d;
  }
  // A zero dim anywhere makes the count 0 even if other dims overflowed.
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return int64_t{0};
  if (overflow) return invalidInput("shape {} has too many elements", shapeToString(shape));
  return n;
}

Status checkShapeBounds(const Shape& shape) {
  if (static_cast<int64_t>(shape.size()) > kMaxRank)
    return invalidInput("a shape of rank {} is above the supported maximum of {}", shape.size(), kMaxRank);
  int64_t product = 1;
  for (int64_t d : shape) {
    if (d <= 0) continue;
    if (d > kMaxShapeElements || product > kMaxShapeElements / d)
      return invalidInput("shape {} has more than 2^40 elements", shapeToString(shape));
    product *= d;
  }
  return Status::ok();
}

int64_t loopExtent(const Shape& shape, int64_t limit) {
  int64_t product = 1;
  for (int64_t d : shape) {
    if (d <= 0) continue;
    if (product > limit / d) return limit + 1;
    product *= d;
  }
  return product;
}

std::vector<int64_t> unravelIndex(int64_t linear, const Shape& shape) {
  std::vector<int64_t> idx(shape.size(), 0);
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 0) break;
    idx[i] = linear % shape[i];
    linear /= shape[i];
  }
  return idx;
}

}  // namespace ingot::ir
