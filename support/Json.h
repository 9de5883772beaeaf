// The little JSON the CLI writes (--json reports): escaped strings and
// numbers that stay valid JSON (NaN and infinities become null).
#pragma once

#include <string>
#include <string_view>

namespace ingot {

// The contents of a JSON string literal (without the quotes).
std::string jsonEscape(std::string_view s);
// A number with full double precision, or null when not finite.
std::string jsonNumber(double v);

}  // namespace ingot
