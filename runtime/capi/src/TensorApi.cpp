// Tensors: owned (zero-filled, 64-byte aligned) or wrapping caller memory.
// Runs upload from and download into `data` directly, so a wrapped tensor
// costs no copy beyond the device's own.
#include "runtime/capi/src/Handles.h"

using namespace ingot;

namespace {

// The tensor without its memory: dtype and dims checked, byte size computed
// without overflow.
Expected<std::unique_ptr<ingot_tensor>> describe(const char* function, ingot_dtype dtype, const int64_t* dims,
                                                 size_t rank) {
  INGOT_ASSIGN_OR_RETURN(DType d, capi::dtypeFromC(dtype));
  if (rank > 0 && !dims) return capi::nullArgument(function, "dims");
  if (rank > 64) return invalidInput("{}: rank {} is over 64", function, rank);
  auto t = std::make_unique<ingot_tensor>();
  t->dtype = d;
  t->dims.assign(dims, dims + rank);
  uint64_t bytes = dtypeSize(d);
  for (size_t i = 0; i < rank; ++i) {
    if (dims[i] < 0) return invalidInput("{}: dimension {} is {}", function, i, dims[i]);
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(dims[i]), &bytes) || bytes > (uint64_t{1} << 48))
      return invalidInput("{}: shape {} is too large", function, shapeToString(t->dims));
  }
  t->bytes = bytes;
  return t;
}

}  // namespace

extern "C" {

INGOT_API ingot_status* ingot_tensor_create(ingot_dtype dtype, const int64_t* dims, size_t rank, ingot_tensor** out) {
  return capi::guarded("ingot_tensor_create", [&]() -> Status {
    if (!out) return capi::nullArgument("ingot_tensor_create", "out");
    INGOT_ASSIGN_OR_RETURN(std::unique_ptr<ingot_tensor> t, describe("ingot_tensor_create", dtype, dims, rank));
    // At least one byte so `data` is never NULL, even for a tensor with no elements.
    t->owned.reset(new (std::align_val_t{64}) std::byte[std::max<size_t>(t->bytes, 1)]());
    t->data = t->owned.get();
    *out = t.release();
    return Status::ok();
  });
}

INGOT_API ingot_status* ingot_tensor_wrap(ingot_dtype dtype, const int64_t* dims, size_t rank, void* data,
                                          size_t byte_size, ingot_tensor** out) {
  return capi::guarded("ingot_tensor_wrap", [&]() -> Status {
    if (!out) return capi::nullArgument("ingot_tensor_wrap", "out");
    INGOT_ASSIGN_OR_RETURN(std::unique_ptr<ingot_tensor> t, describe("ingot_tensor_wrap", dtype, dims, rank));
    if (!data && t->bytes > 0) return capi::nullArgument("ingot_tensor_wrap", "data");
    if (byte_size < t->bytes)
      return invalidInput("ingot_tensor_wrap: {}{} needs {} bytes, the memory given has {}", dtypeName(t->dtype),
                          shapeToString(t->dims), t->bytes, byte_size);
    t->data = data;
    *out = t.release();
    return Status::ok();
  });
}

INGOT_API void ingot_tensor_destroy(ingot_tensor* tensor) { delete tensor; }
INGOT_API void* ingot_tensor_data(ingot_tensor* tensor) { return tensor ? tensor->data : nullptr; }
INGOT_API size_t ingot_tensor_byte_size(const ingot_tensor* tensor) { return tensor ? tensor->bytes : 0; }
INGOT_API ingot_dtype ingot_tensor_dtype(const ingot_tensor* tensor) {
  return tensor ? capi::dtypeToC(tensor->dtype) : INGOT_DTYPE_F32;
}
INGOT_API size_t ingot_tensor_rank(const ingot_tensor* tensor) { return tensor ? tensor->dims.size() : 0; }
INGOT_API const int64_t* ingot_tensor_dims(const ingot_tensor* tensor) {
  return tensor && !tensor->dims.empty() ? tensor->dims.data() : nullptr;
}
INGOT_API int64_t ingot_tensor_element_count(const ingot_tensor* tensor) {
  return tensor ? numElements(tensor->dims) : 0;
}

}  // extern "C"
