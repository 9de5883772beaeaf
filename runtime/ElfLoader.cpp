#include "runtime/ElfLoader.h"

#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <span>
#include <vector>

namespace ingot::rt {

LoadedObject::~LoadedObject() {
  if (base_) ::munmap(base_, size_);
}

void* LoadedObject::symbol(std::string_view name) const {
  auto it = symbols_.find(std::string(name));
  return it == symbols_.end() ? nullptr : it->second;
}

namespace {

constexpr uint64_t kMaxImageBytes = 1ull << 30;  // far above any model's code
constexpr size_t kStubBytes = 8;                 // jmp *slot(%rip) (6 bytes) + padding

uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

// One link of one object: reads and checks the ELF structures, lays out the
// sections, applies relocations, then seals the memory (code read+execute,
// data read-only unless a section is writable).
class ElfLinker {
 public:
  ElfLinker(std::string_view bytes, const SymbolResolver& resolve, const std::string& what)
      : in_(bytes), resolve_(resolve), what_(what) {}

  Expected<std::shared_ptr<const LoadedObject>> link() {
    INGOT_RETURN_IF_ERROR(readHeaders());
    INGOT_RETURN_IF_ERROR(readSymbols());
    INGOT_RETURN_IF_ERROR(planStubs());
    INGOT_RETURN_IF_ERROR(layout());
    INGOT_RETURN_IF_ERROR(resolveSymbols());
    INGOT_RETURN_IF_ERROR(applyRelocations());
    writeStubs();
    INGOT_RETURN_IF_ERROR(seal());
    for (size_t i = 0; i < syms_.size(); ++i) {
      const Elf64_Sym& s = syms_[i];
      const unsigned type = ELF64_ST_TYPE(s.st_info);
      if (s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE || type == STT_SECTION || type == STT_FILE) continue;
      if (!loaded(s.st_shndx) || symNames_[i].empty()) continue;
      obj_->symbols_[symNames_[i]] = reinterpret_cast<void*>(symAddr_[i]);
    }
    return std::shared_ptr<const LoadedObject>(std::move(obj_));
  }

 private:
  template <typename... Args>
  Status bad(fmt::format_string<Args...> f, Args&&... args) {
    return invalidInput("{}: not a loadable object: {}", what_, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  Status unsupportedHere(fmt::format_string<Args...> f, Args&&... args) {
    return unsupported("{}: {}", what_, fmt::format(f, std::forward<Args>(args)...));
  }
  bool inFile(uint64_t offset, uint64_t size) const { return offset <= in_.size() && size <= in_.size() - offset; }
  bool loaded(size_t section) const { return section < addr_.size() && addr_[section] != 0; }

  // A NUL-terminated name at `offset` of string table section `table`.
  Expected<std::string> stringAt(size_t table, uint64_t offset) {
    if (table >= shdrs_.size() || shdrs_[table].sh_type != SHT_STRTAB) return bad("string table {} is not one", table);
    const Elf64_Shdr& t = shdrs_[table];
    if (offset >= t.sh_size) return bad("string offset {} past its table ({} bytes)", offset, t.sh_size);
    const char* p = in_.data() + t.sh_offset + offset;
    const void* end = std::memchr(p, '\0', t.sh_size - offset);
    if (!end) return bad("unterminated string at offset {}", offset);
    return std::string(p, static_cast<const char*>(end));
  }

  Status readHeaders() {
    if (in_.size() < sizeof(Elf64_Ehdr)) return bad("{} bytes, shorter than an ELF header", in_.size());
    std::memcpy(&eh_, in_.data(), sizeof eh_);
    if (std::memcmp(eh_.e_ident, ELFMAG, SELFMAG) != 0) return bad("no ELF magic");
    if (eh_.e_ident[EI_CLASS] != ELFCLASS64 || eh_.e_ident[EI_DATA] != ELFDATA2LSB)
      return unsupportedHere("only 64-bit little-endian objects can be loaded");
    if (eh_.e_type != ET_REL) return bad("ELF type {}, expected a relocatable object (1)", eh_.e_type);
#if defined(__x86_64__)
    if (eh_.e_machine != EM_X86_64)
      return unsupportedHere("code for ELF machine {}, this runtime loads x86-64 code (62)", eh_.e_machine);
#else
    return unsupportedHere("this runtime's object loader supports x86-64 hosts only");
#endif
    if (eh_.e_shentsize != sizeof(Elf64_Shdr)) return bad("section header size {}", eh_.e_shentsize);
    if (eh_.e_shnum == 0 || !inFile(eh_.e_shoff, uint64_t{eh_.e_shnum} * sizeof(Elf64_Shdr)))
      return bad("section headers ({} at offset {}) outside the {} bytes", eh_.e_shnum, eh_.e_shoff, in_.size());
    shdrs_.resize(eh_.e_shnum);
    std::memcpy(shdrs_.data(), in_.data() + eh_.e_shoff, shdrs_.size() * sizeof(Elf64_Shdr));
    if (eh_.e_shstrndx >= shdrs_.size()) return bad("section name table index {}", eh_.e_shstrndx);
    for (size_t i = 0; i < shdrs_.size(); ++i) {
      const Elf64_Shdr& s = shdrs_[i];
      if (s.sh_type != SHT_NOBITS && !inFile(s.sh_offset, s.sh_size))  // layout() copies even SHT_NULL ones
        return bad("section {} ({} bytes at {}) outside the file", i, s.sh_size, s.sh_offset);
    }
    for (size_t i = 0; i < shdrs_.size(); ++i) {
      INGOT_ASSIGN_OR_RETURN(std::string name, stringAt(eh_.e_shstrndx, shdrs_[i].sh_name));
      names_.push_back(std::move(name));
      const Elf64_Shdr& s = shdrs_[i];
      if ((s.sh_flags & SHF_ALLOC) && s.sh_size > 0) {
        if (s.sh_flags & SHF_TLS) return unsupportedHere("thread-local section {}", names_[i]);
        if (s.sh_type == SHT_INIT_ARRAY || s.sh_type == SHT_FINI_ARRAY || s.sh_type == SHT_PREINIT_ARRAY ||
            names_[i] == ".ctors" || names_[i] == ".dtors")
          return unsupportedHere("section {} (static constructors or destructors)", names_[i]);
      }
      if (s.sh_type == SHT_REL) return unsupportedHere("REL relocations in {} (x86-64 uses RELA)", names_[i]);
    }
    return Status::ok();
  }

  Status readSymbols() {
    size_t symtab = 0;
    for (size_t i = 0; i < shdrs_.size(); ++i)
      if (shdrs_[i].sh_type == SHT_SYMTAB) {
        if (symtab) return bad("two symbol tables");
        symtab = i;
      }
    if (!symtab) return Status::ok();  // no symbols: nothing to relocate or export
    const Elf64_Shdr& st = shdrs_[symtab];
    if (st.sh_entsize != sizeof(Elf64_Sym) || st.sh_size % sizeof(Elf64_Sym) != 0)
      return bad("symbol table entry size {}", st.sh_entsize);
    syms_.resize(st.sh_size / sizeof(Elf64_Sym));
    if (st.sh_size) std::memcpy(syms_.data(), in_.data() + st.sh_offset, st.sh_size);  // data() may be null
    for (const Elf64_Sym& s : syms_) {
      if (s.st_name == 0) {
        symNames_.emplace_back();
        continue;
      }
      INGOT_ASSIGN_OR_RETURN(std::string name, stringAt(st.sh_link, s.st_name));
      symNames_.push_back(std::move(name));
    }
    symtab_ = symtab;
    return Status::ok();
  }

  // Relocation sections that apply to a section we load.
  std::vector<size_t> relocationSections() const {
    std::vector<size_t> out;
    for (size_t i = 0; i < shdrs_.size(); ++i) {
      const Elf64_Shdr& s = shdrs_[i];
      if (s.sh_type == SHT_RELA && s.sh_info < shdrs_.size() && wanted(s.sh_info)) out.push_back(i);
    }
    return out;
  }
  // Sections that go into memory: allocated ones, except unwind tables
  // (nothing unwinds through kernels).
  bool wanted(size_t i) const {
    const Elf64_Shdr& s = shdrs_[i];
    return (s.sh_flags & SHF_ALLOC) && s.sh_size > 0 && s.sh_type != SHT_X86_64_UNWIND && names_[i] != ".eh_frame";
  }

  Expected<std::span<const Elf64_Rela>> relocations(size_t section) {
    const Elf64_Shdr& r = shdrs_[section];
    if (r.sh_entsize != sizeof(Elf64_Rela) || r.sh_size % sizeof(Elf64_Rela) != 0)
      return bad("{}: relocation entry size {}", names_[section], r.sh_entsize);
    if (r.sh_link != symtab_ || symtab_ == 0) return bad("{}: not linked to the symbol table", names_[section]);
    // sh_offset is checked to lie in the file; the bytes may be unaligned,
    // so they are copied.
    auto [it, fresh] = relaCopies_.try_emplace(section);
    auto& copy = it->second;
    if (!fresh) return std::span<const Elf64_Rela>(copy);  // read once, used by planStubs and applyRelocations
    copy.resize(r.sh_size / sizeof(Elf64_Rela));
    if (r.sh_size) std::memcpy(copy.data(), in_.data() + r.sh_offset, r.sh_size);
    return std::span<const Elf64_Rela>(copy);
  }

  static bool usesGot(uint32_t type) {
    return type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX || type == R_X86_64_REX_GOTPCRELX;
  }

  // A GOT slot for every symbol a GOT relocation names, a call stub for
  // every undefined symbol a PLT32 relocation names.
  Status planStubs() {
    for (size_t rs : relocationSections()) {
      INGOT_ASSIGN_OR_RETURN(std::span<const Elf64_Rela> rels, relocations(rs));
      for (const Elf64_Rela& r : rels) {
        const uint64_t sym = ELF64_R_SYM(r.r_info);
        if (sym >= syms_.size()) return bad("{}: symbol index {} of {}", names_[rs], sym, syms_.size());
        const uint32_t type = ELF64_R_TYPE(r.r_info);
        const bool undefined = syms_[sym].st_shndx == SHN_UNDEF;
        if (usesGot(type) || (type == R_X86_64_PLT32 && undefined)) gotSlot_.try_emplace(sym, gotSlot_.size());
      }
    }
    return Status::ok();
  }

  Status layout() {
    addr_.assign(shdrs_.size(), 0);
    std::vector<uint64_t> offset(shdrs_.size(), 0);
    uint64_t size = 0;
    auto place = [&](bool exec) -> Status {
      for (size_t i = 0; i < shdrs_.size(); ++i) {
        if (!wanted(i) || bool(shdrs_[i].sh_flags & SHF_EXECINSTR) != exec) continue;
        uint64_t align = std::max<uint64_t>(shdrs_[i].sh_addralign, 1);
        if ((align & (align - 1)) != 0 || align > 4096) return bad("section {} alignment {}", names_[i], align);
        if (shdrs_[i].sh_size > kMaxImageBytes) return bad("section {} of {} bytes", names_[i], shdrs_[i].sh_size);
        size = alignUp(size, align);
        offset[i] = size;
        size += shdrs_[i].sh_size;
        if (size > kMaxImageBytes) return bad("more than {} bytes of code and data", kMaxImageBytes);
        if (shdrs_[i].sh_flags & SHF_WRITE) writable_ = true;
      }
      return Status::ok();
    };
    INGOT_RETURN_IF_ERROR(place(true));
    stubOffset_ = alignUp(size, 16);
    size = stubOffset_ + gotSlot_.size() * kStubBytes;
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    execBytes_ = alignUp(size, page);
    size = execBytes_;
    gotOffset_ = size;
    size += gotSlot_.size() * 8;
    INGOT_RETURN_IF_ERROR(place(false));
    size = alignUp(std::max<uint64_t>(size, 1), page);

    void* mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return runtimeError("{}: cannot map {} bytes for the code", what_, size);
    obj_.reset(new LoadedObject());
    obj_->base_ = static_cast<std::byte*>(mem);
    obj_->size_ = size;
    for (size_t i = 0; i < shdrs_.size(); ++i) {
      if (!wanted(i)) continue;
      addr_[i] = reinterpret_cast<uint64_t>(obj_->base_ + offset[i]);
      if (shdrs_[i].sh_type != SHT_NOBITS)  // NOBITS (.bss) stays zero from mmap
        std::memcpy(obj_->base_ + offset[i], in_.data() + shdrs_[i].sh_offset, shdrs_[i].sh_size);
    }
    return Status::ok();
  }

  Status resolveSymbols() {
    symAddr_.assign(syms_.size(), 0);
    for (size_t i = 1; i < syms_.size(); ++i) {
      const Elf64_Sym& s = syms_[i];
      if (s.st_shndx == SHN_UNDEF) {
        if (symNames_[i].empty()) continue;
        void* p = resolve_ ? resolve_(symNames_[i]) : nullptr;
        if (!p && ELF64_ST_BIND(s.st_info) != STB_WEAK)
          return unsupportedHere("the code calls '{}', which this process does not provide", symNames_[i]);
        symAddr_[i] = reinterpret_cast<uint64_t>(p);
      } else if (s.st_shndx == SHN_ABS) {
        symAddr_[i] = s.st_value;
      } else if (s.st_shndx == SHN_COMMON) {
        return unsupportedHere("COMMON symbol '{}'", symNames_[i]);
      } else if (s.st_shndx < SHN_LORESERVE && s.st_shndx < shdrs_.size()) {
        if (!loaded(s.st_shndx)) continue;  // an error only if a relocation uses it
        if (s.st_value > shdrs_[s.st_shndx].sh_size) return bad("symbol '{}' past its section", symNames_[i]);
        symAddr_[i] = addr_[s.st_shndx] + s.st_value;
      } else {
        return unsupportedHere("symbol '{}' in special section {:#x}", symNames_[i], s.st_shndx);
      }
    }
    return Status::ok();
  }

  uint64_t gotAddress(uint64_t sym) const {
    return reinterpret_cast<uint64_t>(obj_->base_) + gotOffset_ + gotSlot_.at(sym) * 8;
  }
  uint64_t stubAddress(uint64_t sym) const {
    return reinterpret_cast<uint64_t>(obj_->base_) + stubOffset_ + gotSlot_.at(sym) * kStubBytes;
  }

  Status applyRelocations() {
    for (size_t rs : relocationSections()) {
      const size_t target = shdrs_[rs].sh_info;
      const Elf64_Shdr& t = shdrs_[target];
      if (t.sh_type == SHT_NOBITS) return bad("{} relocates a NOBITS section", names_[rs]);
      INGOT_ASSIGN_OR_RETURN(std::span<const Elf64_Rela> rels, relocations(rs));
      for (const Elf64_Rela& r : rels) {
        const uint64_t sym = ELF64_R_SYM(r.r_info);
        const uint32_t type = ELF64_R_TYPE(r.r_info);
        const Elf64_Sym& s = syms_[sym];
        if (sym != 0 && s.st_shndx != SHN_UNDEF && s.st_shndx < SHN_LORESERVE && !loaded(s.st_shndx))
          return bad("{}: symbol '{}' lies in a section that is not loaded", names_[rs], symNames_[sym]);
        const uint64_t width = (type == R_X86_64_64 || type == R_X86_64_PC64) ? 8 : 4;
        if (r.r_offset > t.sh_size || width > t.sh_size - r.r_offset)
          return bad("{}: offset {} outside {} ({} bytes)", names_[rs], r.r_offset, names_[target], t.sh_size);
        const uint64_t P = addr_[target] + r.r_offset;
        const uint64_t S = symAddr_[sym];
        const int64_t A = r.r_addend;
        auto* where = reinterpret_cast<std::byte*>(P);
        auto pc32 = [&](uint64_t to) -> Status {
          const int64_t v = static_cast<int64_t>(to + A - P);
          if (v < INT32_MIN || v > INT32_MAX)
            return unsupportedHere("{}: '{}' is out of 32-bit reach of the code", names_[rs], symNames_[sym]);
          const int32_t v32 = static_cast<int32_t>(v);
          std::memcpy(where, &v32, 4);
          return Status::ok();
        };
        switch (type) {
          case R_X86_64_NONE:
            break;
          case R_X86_64_64: {
            const uint64_t v = S + A;
            std::memcpy(where, &v, 8);
            break;
          }
          case R_X86_64_PC64: {
            const uint64_t v = S + A - P;
            std::memcpy(where, &v, 8);
            break;
          }
          case R_X86_64_PC32:
            INGOT_RETURN_IF_ERROR(pc32(S));
            break;
          case R_X86_64_PLT32:
            INGOT_RETURN_IF_ERROR(pc32(s.st_shndx == SHN_UNDEF ? stubAddress(sym) : S));
            break;
          case R_X86_64_GOTPCREL:
          case R_X86_64_GOTPCRELX:
          case R_X86_64_REX_GOTPCRELX:
            INGOT_RETURN_IF_ERROR(pc32(gotAddress(sym)));
            break;
          default:
            return unsupportedHere("relocation type {} in {} (the loader handles position-independent small-model code)",
                                   type, names_[rs]);
        }
      }
    }
    return Status::ok();
  }

  void writeStubs() {
    for (const auto& [sym, slot] : gotSlot_) {
      const uint64_t got = gotAddress(sym);
      std::memcpy(reinterpret_cast<void*>(got), &symAddr_[sym], 8);
      const uint64_t stub = stubAddress(sym);
      // jmp *disp32(%rip), disp32 relative to the end of the 6-byte instruction.
      const int32_t disp = static_cast<int32_t>(static_cast<int64_t>(got) - static_cast<int64_t>(stub + 6));
      unsigned char code[kStubBytes] = {0xFF, 0x25, 0, 0, 0, 0, 0xCC, 0xCC};
      std::memcpy(code + 2, &disp, 4);
      std::memcpy(reinterpret_cast<void*>(stub), code, sizeof code);
    }
  }

  Status seal() {
    if (::mprotect(obj_->base_, execBytes_, PROT_READ | PROT_EXEC) != 0)
      return runtimeError("{}: cannot make the code executable (mprotect refused; W^X policy?)", what_);
    const size_t rest = obj_->size_ - execBytes_;
    if (rest > 0 && !writable_ && ::mprotect(obj_->base_ + execBytes_, rest, PROT_READ) != 0)
      return runtimeError("{}: cannot make the constants read-only", what_);
    return Status::ok();
  }

  std::string_view in_;
  const SymbolResolver& resolve_;
  std::string what_;
  Elf64_Ehdr eh_{};
  std::vector<Elf64_Shdr> shdrs_;
  std::vector<std::string> names_;
  size_t symtab_ = 0;
  std::vector<Elf64_Sym> syms_;
  std::vector<std::string> symNames_;
  std::vector<uint64_t> symAddr_;
  std::vector<uint64_t> addr_;  // load address of each section, 0 when not loaded
  std::map<size_t, std::vector<Elf64_Rela>> relaCopies_;
  std::map<uint64_t, size_t> gotSlot_;  // symbol -> slot
  uint64_t stubOffset_ = 0, gotOffset_ = 0, execBytes_ = 0;
  bool writable_ = false;
  std::unique_ptr<LoadedObject> obj_;
};

Expected<std::shared_ptr<const LoadedObject>> loadElfObject(std::string_view bytes, const SymbolResolver& resolve,
                                                            const std::string& what) {
  return ElfLinker(bytes, resolve, what).link();
}

}  // namespace ingot::rt
