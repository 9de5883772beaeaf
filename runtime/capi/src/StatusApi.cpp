// Statuses, dtypes, the version, and the helpers every other file of the C
// API uses to turn C++ results into statuses.
#include <cstring>

#include "runtime/capi/src/Handles.h"

using namespace ingot;

namespace {

// Returned when a status cannot be allocated. Never written and never freed:
// ingot_status_destroy recognizes it by address.
const ingot_status kOutOfMemory{INGOT_STATUS_OUT_OF_MEMORY, "out of memory"};

ingot_status_code codeOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidInput: return INGOT_STATUS_INVALID_ARGUMENT;
    case ErrorKind::Unsupported: return INGOT_STATUS_UNSUPPORTED;
    case ErrorKind::Runtime: return INGOT_STATUS_RUNTIME_ERROR;
    case ErrorKind::Internal: return INGOT_STATUS_INTERNAL;
  }
  return INGOT_STATUS_INTERNAL;
}

// The C enum mirrors ingot::DType value for value (both append-only).
static_assert(INGOT_DTYPE_F32 == static_cast<int>(DType::F32) && INGOT_DTYPE_F64 == static_cast<int>(DType::F64) &&
              INGOT_DTYPE_I32 == static_cast<int>(DType::I32) && INGOT_DTYPE_I64 == static_cast<int>(DType::I64) &&
              INGOT_DTYPE_BOOL == static_cast<int>(DType::Bool) && INGOT_DTYPE_F16 == static_cast<int>(DType::F16) &&
              INGOT_DTYPE_BF16 == static_cast<int>(DType::BF16) && INGOT_DTYPE_I8 == static_cast<int>(DType::I8) &&
              INGOT_DTYPE_I16 == static_cast<int>(DType::I16) && INGOT_DTYPE_U8 == static_cast<int>(DType::U8) &&
              INGOT_DTYPE_U16 == static_cast<int>(DType::U16) && INGOT_DTYPE_U32 == static_cast<int>(DType::U32) &&
              INGOT_DTYPE_U64 == static_cast<int>(DType::U64));

}  // namespace

namespace ingot::capi {

ingot_status* makeStatus(ingot_status_code code, const std::string& message) noexcept {
  try {
    auto* s = new ingot_status{code, message.empty() ? std::string("unknown error") : message};
    return s;
  } catch (...) {
    return outOfMemoryStatus();
  }
}

ingot_status* outOfMemoryStatus() noexcept { return const_cast<ingot_status*>(&kOutOfMemory); }
bool isStaticStatus(const ingot_status* s) noexcept { return s == &kOutOfMemory; }

ingot_status* toStatus(const Status& s) noexcept {
  if (s.isOk()) return nullptr;
  return makeStatus(codeOf(s.kind()), s.message());
}

Status nullArgument(const char* function, const char* argument) {
  return invalidInput("{}: `{}` is NULL", function, argument);
}

Expected<DType> dtypeFromC(ingot_dtype d) {
  const auto v = static_cast<unsigned>(d);
  if (v > static_cast<unsigned>(INGOT_DTYPE_U64)) return invalidInput("{} is not an ingot_dtype", static_cast<int>(d));
  return static_cast<DType>(v);
}
ingot_dtype dtypeToC(DType d) { return static_cast<ingot_dtype>(static_cast<int>(d)); }

std::string_view entryName(const char* entry) { return entry ? std::string_view(entry) : rt::kInferEntry; }

}  // namespace ingot::capi

extern "C" {

INGOT_API const char* ingot_version(void) { return INGOT_VERSION_STRING; }

INGOT_API ingot_status_code ingot_status_get_code(const ingot_status* status) {
  return status ? status->code : INGOT_STATUS_OK;
}

INGOT_API const char* ingot_status_message(const ingot_status* status) {
  return status ? status->message.c_str() : "";
}

INGOT_API void ingot_status_destroy(ingot_status* status) {
  if (!capi::isStaticStatus(status)) delete status;
}

INGOT_API const char* ingot_dtype_name(ingot_dtype dtype) {
  auto d = capi::dtypeFromC(dtype);
  // dtypeName returns views of string literals: NUL-terminated.
  return d.ok() ? dtypeName(*d).data() : "?";
}

INGOT_API size_t ingot_dtype_size(ingot_dtype dtype) {
  auto d = capi::dtypeFromC(dtype);
  return d.ok() ? dtypeSize(*d) : 0;
}

INGOT_API ingot_status* ingot_runtime_options_create(ingot_runtime_options** out) {
  return capi::guarded("ingot_runtime_options_create", [&]() -> Status {
    if (!out) return capi::nullArgument("ingot_runtime_options_create", "out");
    *out = new ingot_runtime_options();
    return Status::ok();
  });
}

INGOT_API void ingot_runtime_options_destroy(ingot_runtime_options* options) { delete options; }

INGOT_API ingot_status* ingot_runtime_options_set_threads(ingot_runtime_options* options, uint32_t threads) {
  return capi::guarded("ingot_runtime_options_set_threads", [&]() -> Status {
    if (!options) return capi::nullArgument("ingot_runtime_options_set_threads", "options");
    if (threads > 1024) return invalidInput("ingot_runtime_options_set_threads: {} threads is over 1024", threads);
    options->threads = threads;
    return Status::ok();
  });
}

INGOT_API ingot_status* ingot_runtime_options_set_device(ingot_runtime_options* options, const char* device) {
  return capi::guarded("ingot_runtime_options_set_device", [&]() -> Status {
    if (!options) return capi::nullArgument("ingot_runtime_options_set_device", "options");
    if (!device) return capi::nullArgument("ingot_runtime_options_set_device", "device");
    options->device = device;
    return Status::ok();
  });
}

}  // extern "C"
