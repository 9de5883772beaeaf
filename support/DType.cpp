#include "support/DType.h"

namespace ingot {

namespace {
struct DTypeInfo {
  DType type;
  std::string_view name;
  size_t size;
};
constexpr DTypeInfo kInfo[] = {
    {DType::F32, "f32", 4},  {DType::F64, "f64", 8},   {DType::I32, "i32", 4},
    {DType::I64, "i64", 8},  {DType::Bool, "bool", 1}, {DType::F16, "f16", 2},
    {DType::BF16, "bf16", 2}, {DType::I8, "i8", 1},    {DType::I16, "i16", 2},
    {DType::U8, "u8", 1},    {DType::U16, "u16", 2},   {DType::U32, "u32", 4},
    {DType::U64, "u64", 8},
};
const DTypeInfo& info(DType t) {
  for (const auto& i : kInfo)
    if (i.type == t) return i;
  return kInfo[0];  // unreachable: every enumerator is in the table
}
}  // namespace

std::string_view dtypeName(DType t) { return info(t).name; }
size_t dtypeSize(DType t) { return info(t).size; }

std::optional<DType> parseDType(std::string_view name) {
  for (const auto& i : kInfo)
    if (i.name == name) return i.type;
  return std::nullopt;
}

bool isFloat(DType t) {
  return t == DType::F32 || t == DType::F64 || t == DType::F16 || t == DType::BF16;
}
bool isInteger(DType t) { return !isFloat(t) && t != DType::Bool; }
bool isSigned(DType t) {
  return isFloat(t) || t == DType::I8 || t == DType::I16 || t == DType::I32 || t == DType::I64;
}
bool isComputable(DType t) { return t != DType::F16 && t != DType::BF16; }

}  // namespace ingot
