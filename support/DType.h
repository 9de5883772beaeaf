// Element types shared by the compiler and the runtime.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ingot {

// The enumerator order is part of the artifact format later: append only.
enum class DType : uint8_t {
  F32, F64, I32, I64, Bool,
  F16, BF16, I8, I16, U8, U16, U32, U64,
};

inline constexpr DType kAllDTypes[] = {DType::F32, DType::F64, DType::I32, DType::I64, DType::Bool,
                                       DType::F16, DType::BF16, DType::I8,  DType::I16, DType::U8,
                                       DType::U16, DType::U32, DType::U64};

// Short names used by the text IR and messages: f32, f64, i32, i64, bool, ...
std::string_view dtypeName(DType t);
std::optional<DType> parseDType(std::string_view name);
size_t dtypeSize(DType t);
bool isFloat(DType t);    // f16, bf16, f32, f64
bool isInteger(DType t);  // signed and unsigned ints, not bool
bool isSigned(DType t);
// Types the reference interpreter computes with (f32, f64, i32, i64, bool and
// the small ints); f16/bf16 are named but not computed yet.
bool isComputable(DType t);

// C++ type <-> DType.
template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::F32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::F64; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::I32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::I64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::Bool; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::I8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::I16; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::U8; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::U16; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::U32; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::U64; };

// Calls f(T{}) with the C++ type of a computable dtype. Returns false for
// f16/bf16 (not computable) so the caller can report "unsupported dtype".
template <typename F>
bool visitDType(DType t, F&& f) {
  switch (t) {
    case DType::F32: f(float{}); return true;
    case DType::F64: f(double{}); return true;
    case DType::I32: f(int32_t{}); return true;
    case DType::I64: f(int64_t{}); return true;
    case DType::Bool: f(bool{}); return true;
    case DType::I8: f(int8_t{}); return true;
    case DType::I16: f(int16_t{}); return true;
    case DType::U8: f(uint8_t{}); return true;
    case DType::U16: f(uint16_t{}); return true;
    case DType::U32: f(uint32_t{}); return true;
    case DType::U64: f(uint64_t{}); return true;
    case DType::F16:
    case DType::BF16: return false;
  }
  return false;
}

}  // namespace ingot
