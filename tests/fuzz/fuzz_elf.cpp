// libFuzzer target: the ELF object loader (runtime/ElfLoader.h) alone, on raw
// bytes. In an artifact the object sits behind two checksums, so this target
// is where mutations of the object itself are tested. The object is mapped,
// relocated (every external symbol resolves to a dummy address) and sealed,
// never run.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "fuzz_common.h"
#include "runtime/ElfLoader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto object = ingot::rt::loadElfObject(bytes, ingot::fuzz::dummySymbol, "fuzz.o");
  if (!object.ok()) {
    ingot::fuzz::checkError(object.status(), "loadElfObject");
    return 0;
  }
  if (ingot::fuzz::verbose()) std::fprintf(stderr, "loaded: %zu bytes mapped\n", (*object)->mappedBytes());
  if ((*object)->mappedBytes() == 0) ingot::fuzz::fail("loadElfObject", "success with nothing mapped");
  (void)(*object)->symbol("ingot_kernel_0");
  return 0;
}
