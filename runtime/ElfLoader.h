// Links an x86-64 ELF relocatable object (what `ingot compile` emits for the
// CPU) into private, anonymous memory of this process: the artifact's CPU
// code runs without a compiler, a linker or a temporary file, and its
// symbols stay in this object's own table, so two models (whose kernels
// have the same names) never clash.
//
// Supported: the relocations LLVM emits for position-independent code in
// the small code model (64, PC32, PC64, PLT32, GOTPCREL and its relaxable
// forms). Calls to functions outside the object (libm, libmvec, memcpy)
// go through stubs and a GOT built next to the code; `resolve` supplies
// their addresses. Anything else (TLS, static constructors, COMMON symbols,
// other relocation types or machines) is an Unsupported error naming it;
// malformed input is an InvalidInput error. Never a crash on bad bytes.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "support/Status.h"

namespace ingot::rt {

class LoadedObject {
 public:
  ~LoadedObject();
  LoadedObject(const LoadedObject&) = delete;
  LoadedObject& operator=(const LoadedObject&) = delete;
  // The address of a symbol the object defines, or null.
  void* symbol(std::string_view name) const;
  size_t mappedBytes() const { return size_; }

 private:
  friend class ElfLinker;
  LoadedObject() = default;
  std::byte* base_ = nullptr;
  size_t size_ = 0;
  std::unordered_map<std::string, void*> symbols_;
};

// Returns the address of an external symbol, or null when unknown.
using SymbolResolver = std::function<void*(const std::string& name)>;

// `what` names the object in errors ("model.ingot: code:infer:llvm").
Expected<std::shared_ptr<const LoadedObject>> loadElfObject(std::string_view bytes, const SymbolResolver& resolve,
                                                            const std::string& what);

}  // namespace ingot::rt
