#include "ir/Attribute.h"

namespace ingot::ir {

std::string_view attrKindName(AttrKind k) {
  switch (k) {
    case AttrKind::Int: return "int";
    case AttrKind::Float: return "float";
    case AttrKind::String: return "string";
    case AttrKind::Ints: return "ints";
    case AttrKind::Floats: return "floats";
    case AttrKind::Strings: return "strings";
    case AttrKind::Tensor: return "tensor";
  }
  return "?";
}

bool Attribute::operator==(const Attribute& o) const {
  if (kind() != o.kind()) return false;
  switch (kind()) {
    case AttrKind::Int: return asInt() == o.asInt();
    case AttrKind::Float: return asFloat() == o.asFloat();
    case AttrKind::String: return asString() == o.asString();
    case AttrKind::Ints: return asInts() == o.asInts();
    case AttrKind::Floats: return asFloats() == o.asFloats();
    case AttrKind::Strings: return asStrings() == o.asStrings();
    case AttrKind::Tensor: return asTensor().identical(o.asTensor());
  }
  return false;
}

}  // namespace ingot::ir
