// Whole-file reads and writes with errors that name the file.
#pragma once

#include <string>
#include <string_view>

#include "support/Status.h"

namespace ingot {

Expected<std::string> readFileBytes(const std::string& path);
Status writeFileBytes(const std::string& path, std::string_view bytes);

}  // namespace ingot
