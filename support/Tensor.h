// A dense, C-ordered host tensor: the unit of data exchanged between the
// importer, the reference interpreter, the runtime and files (.npy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "support/AlignedBytes.h"
#include "support/DType.h"
#include "support/Status.h"

namespace ingot {

using Shape = std::vector<int64_t>;

int64_t numElements(const Shape& shape);  // 1 for a scalar (rank 0)
std::string shapeToString(const Shape& shape);  // "[2,3]", "[]" for a scalar
// Row-major strides in elements.
std::vector<int64_t> stridesOf(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled tensor.
  Tensor(DType dtype, Shape shape);

  template <typename T>
  static Tensor fromVector(Shape shape, const std::vector<T>& values) {
    Tensor t(DTypeOf<T>::value, std::move(shape));
    if constexpr (std::is_same_v<T, bool>) {
      for (size_t i = 0; i < values.size() && i < static_cast<size_t>(t.numElements()); ++i)
        t.data<bool>()[i] = values[i];
    } else if (!values.empty()) {
      std::memcpy(t.rawData(), values.data(),
                  std::min(values.size() * sizeof(T), t.byteSize()));
    }
    return t;
  }
  template <typename T>
  static Tensor scalar(T v) { return fromVector<T>({}, std::vector<T>{v}); }

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numElements() const { return ingot::numElements(shape_); }
  size_t byteSize() const { return bytes_.size(); }

  std::byte* rawData() { return bytes_.data(); }
  const std::byte* rawData() const { return bytes_.data(); }
  template <typename T> T* data() { return reinterpret_cast<T*>(bytes_.data()); }
  template <typename T> const T* data() const { return reinterpret_cast<const T*>(bytes_.data()); }
  template <typename T> std::span<const T> values() const {
    return {data<T>(), static_cast<size_t>(numElements())};
  }

  // Same bytes, new shape with the same element count (checked by the caller).
  Tensor reshaped(Shape shape) const;
  // Element i converted to double (for messages, comparisons and tests).
  double elementAsDouble(int64_t i) const;
  // Bitwise equality of dtype, shape and bytes.
  bool identical(const Tensor& other) const;

 private:
  DType dtype_ = DType::F32;
  Shape shape_;
  AlignedBytes bytes_;  // cache-line aligned: kernels view it in place
};

}  // namespace ingot
