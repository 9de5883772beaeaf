#include "runtime/Artifact.h"

#include <cstring>
#include <limits>
#include <optional>
#include <unordered_map>

#include "runtime/PlanCodec.h"
#include "support/ByteStream.h"
#include "support/FileIO.h"

namespace ingot::rt {

namespace {

constexpr char kMagic[8] = {'I', 'N', 'G', 'O', 'T', 'A', 'R', 'T'};
constexpr size_t kHeaderBytes = 64;
constexpr size_t kSectionNameBytes = 40;
constexpr size_t kSectionEntryBytes = 64;  // name, offset, size, crc, reserved
constexpr size_t kSectionAlignment = 64;   // weights can be mapped and read with aligned loads
constexpr uint64_t kMaxSections = 4096;

std::string codeSectionName(const std::string& entry, const std::string& backend) {
  return "code:" + entry + ":" + backend;
}

struct Section {
  std::string name;
  std::string_view bytes;
};

// The table of distinct initial-data tensors across all plans. Plans that
// share a tensor (a loaded artifact's) are matched by address before any
// bytes are hashed.
class WeightTable {
 public:
  uint64_t add(const Tensor& t) {
    if (auto it = byAddress_.find(&t); it != byAddress_.end()) return it->second;
    const uint64_t h = std::hash<std::string_view>()(
        std::string_view(reinterpret_cast<const char*>(t.rawData()), t.byteSize()));
    uint64_t index = tensors_.size();
    for (uint64_t i : byHash_[h])
      if (tensors_[i]->identical(t)) {
        index = i;
        break;
      }
    if (index == tensors_.size()) {
      byHash_[h].push_back(index);
      tensors_.push_back(&t);
    }
    byAddress_.emplace(&t, index);
    return index;
  }
  // Writes the table into `meta` and the tensors' bytes into `weights`.
  void write(ByteWriter& meta, ByteWriter& weights) const {
    meta.u64(tensors_.size());
    for (const Tensor* t : tensors_) {
      weights.padTo(kSectionAlignment);
      encodeTensorType(t->dtype(), t->shape(), meta);
      meta.u64(weights.size());
      meta.u64(t->byteSize());
      weights.raw(std::string_view(reinterpret_cast<const char*>(t->rawData()), t->byteSize()));
    }
  }

 private:
  std::vector<const Tensor*> tensors_;
  std::unordered_map<uint64_t, std::vector<uint64_t>> byHash_;
  std::unordered_map<const Tensor*, uint64_t> byAddress_;
};

}  // namespace

const EntryCode* EntryPoint::target(std::string_view backend) const {
  for (const EntryCode& c : targets)
    if (c.backend == backend) return &c;
  return nullptr;
}

const EntryPoint* ArtifactContents::entry(std::string_view name) const {
  for (const EntryPoint& e : entries)
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<std::string> ArtifactContents::backends() const {
  std::vector<std::string> out;
  if (entries.empty()) return out;
  for (const EntryCode& c : entries.front().targets) {
    bool everywhere = true;
    for (const EntryPoint& e : entries) everywhere = everywhere && e.target(c.backend);
    if (everywhere) out.push_back(c.backend);
  }
  return out;
}

bool looksLikeArtifact(std::span<const std::byte> bytes) {
  return bytes.size() >= sizeof kMagic && std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0;
}

Expected<std::string> serializeArtifact(const ArtifactContents& contents) {
  WeightTable weights;
  ByteWriter meta, weightBytes;
  std::vector<Section> sections;
  // Plans first, so the weight table is complete before it is written.
  ByteWriter entries;
  entries.u64(contents.entries.size());
  for (const EntryPoint& e : contents.entries) {
    entries.str(e.name);
    entries.u64(e.targets.size());
    for (const EntryCode& c : e.targets) {
      entries.str(c.backend);
      encodePlan(c.plan, [&](size_t i) { return weights.add(*c.plan.initialData[i]); }, entries);
      sections.push_back({codeSectionName(e.name, c.backend), c.code});
    }
  }
  meta.str(contents.producer);
  meta.str(contents.model);
  weights.write(meta, weightBytes);
  meta.raw(entries.bytes());
  sections.insert(sections.begin(), {{"meta", meta.bytes()}, {"weights", weightBytes.bytes()}});
  if (!contents.onnx.empty()) sections.push_back({"onnx", contents.onnx});
  for (const Section& s : sections)
    if (s.name.size() >= kSectionNameBytes)
      return invalidInput("artifact section name '{}' is longer than {} bytes (entry point or backend name too long)",
                          s.name, kSectionNameBytes - 1);

  // Layout: header, section table, then each section 64-byte aligned.
  ByteWriter table, body;
  uint64_t offset = kHeaderBytes + sections.size() * kSectionEntryBytes;
  offset = (offset + kSectionAlignment - 1) / kSectionAlignment * kSectionAlignment;
  for (const Section& s : sections) {
    std::string name = s.name;
    name.resize(kSectionNameBytes, '\0');
    table.raw(name);
    table.u64(offset);
    table.u64(s.bytes.size());
    table.u32(crc32(s.bytes));
    table.u32(0);
    offset = (offset + s.bytes.size() + kSectionAlignment - 1) / kSectionAlignment * kSectionAlignment;
  }
  ByteWriter out;
  out.raw(std::string_view(kMagic, sizeof kMagic));
  out.u32(kArtifactVersion);
  out.u32(static_cast<uint32_t>(sections.size()));
  out.u64(offset);  // the file size
  out.u64(kHeaderBytes);
  out.u32(crc32(table.bytes()));
  out.u32(crc32(out.bytes()));  // of the 36 bytes before it
  out.padTo(kHeaderBytes);
  out.raw(table.bytes());
  for (const Section& s : sections) {
    out.padTo(kSectionAlignment);
    out.raw(s.bytes);
  }
  out.padTo(kSectionAlignment);
  return std::move(out.bytes());
}

Expected<ArtifactContents> parseArtifact(std::span<const std::byte> data, const std::string& source) {
  const std::string_view bytes(reinterpret_cast<const char*>(data.data()), data.size());
  if (!looksLikeArtifact(data)) return invalidInput("{}: not an ingot artifact (no INGOTART magic)", source);
  ByteReader h(bytes.substr(0, std::min(bytes.size(), kHeaderBytes)), source + ": header");
  h.raw(sizeof kMagic);
  const uint32_t version = h.u32("version");
  const uint32_t numSections = h.u32("section count");
  const uint64_t fileSize = h.u64("file size");
  const uint64_t tableOffset = h.u64("section table offset");
  const uint32_t tableCrc = h.u32("section table checksum");
  const uint32_t headerCrc = h.u32("header checksum");
  INGOT_RETURN_IF_ERROR(h.status());
  if (crc32(bytes.substr(0, 36)) != headerCrc) return invalidInput("{}: header checksum mismatch (corrupt file)", source);
  if (version != kArtifactVersion)
    return invalidInput("{}: artifact format version {}, this runtime reads version {} (recompile the model)", source,
                        version, kArtifactVersion);
  if (fileSize != bytes.size())
    return invalidInput("{}: the file is {} bytes, its header says {} (truncated or extended)", source, bytes.size(),
                        fileSize);
  if (numSections > kMaxSections || tableOffset < kHeaderBytes || tableOffset > bytes.size() ||
      uint64_t{numSections} * kSectionEntryBytes > bytes.size() - tableOffset)
    return invalidInput("{}: section table ({} entries at {}) outside the file", source, numSections, tableOffset);
  const std::string_view tableBytes = bytes.substr(tableOffset, uint64_t{numSections} * kSectionEntryBytes);
  if (crc32(tableBytes) != tableCrc) return invalidInput("{}: section table checksum mismatch (corrupt file)", source);

  std::map<std::string, std::string_view, std::less<>> sections;
  ByteReader t(tableBytes, source + ": section table");
  for (uint32_t i = 0; i < numSections; ++i) {
    const std::string_view rawName = t.raw(kSectionNameBytes);
    const uint64_t offset = t.u64("section offset");
    const uint64_t size = t.u64("section size");
    const uint32_t crc = t.u32("section checksum");
    t.u32("reserved");
    INGOT_RETURN_IF_ERROR(t.status());
    const std::string name(rawName.substr(0, rawName.find('\0')));
    if (name.empty() || name.size() == kSectionNameBytes)
      return invalidInput("{}: section {} has no valid name", source, i);
    if (offset > bytes.size() || size > bytes.size() - offset)
      return invalidInput("{}: section '{}' ({} bytes at {}) outside the {}-byte file", source, name, size, offset,
                          bytes.size());
    const std::string_view s = bytes.substr(offset, size);
    if (crc32(s) != crc)
      return invalidInput("{}: section '{}' checksum mismatch (corrupt file)", source, name);
    if (!sections.emplace(name, s).second) return invalidInput("{}: section '{}' appears twice", source, name);
  }
  auto section = [&](const std::string& name) -> Expected<std::string_view> {
    auto it = sections.find(name);
    if (it == sections.end()) return invalidInput("{}: no '{}' section", source, name);
    return it->second;
  };
  INGOT_ASSIGN_OR_RETURN(std::string_view metaBytes, section("meta"));
  INGOT_ASSIGN_OR_RETURN(std::string_view weightBytes, section("weights"));

  ArtifactContents a;
  ByteReader m(metaBytes, source + ": section meta");
  a.producer = m.str("producer");
  a.model = m.str("model");
  struct WeightRef {
    DType dtype;
    Shape shape;
    uint64_t offset, bytes;
  };
  std::vector<WeightRef> weights;
  const uint64_t nw = m.count("weights", 8 + 8 + 8 + 8);
  for (uint64_t i = 0; i < nw && m.ok(); ++i) {
    WeightRef w{};
    if (!decodeTensorType(m, w.dtype, w.shape)) break;
    w.offset = m.u64("weight offset");
    w.bytes = m.u64("weight bytes");
    if (!m.ok()) break;
    if (w.offset > weightBytes.size() || w.bytes > weightBytes.size() - w.offset ||
        w.bytes != static_cast<uint64_t>(numElements(w.shape)) * dtypeSize(w.dtype))
      m.fail(fmt::format("weight {} ({}{}, {} bytes at {}) does not fit the {}-byte weights section", i,
                         dtypeName(w.dtype), shapeToString(w.shape), w.bytes, w.offset, weightBytes.size()));
    weights.push_back(std::move(w));
  }
  // Each weight is decoded once, at its first reference, and every plan
  // that refers to it shares that tensor: however many references the
  // plans make (each costs 8 bytes of meta), the loader copies at most the
  // weights section.
  std::vector<std::optional<SharedTensor>> decoded(weights.size());
  auto weight = [&](uint64_t i) -> Expected<SharedTensor> {
    if (i >= weights.size()) return invalidInput("{}: weight {} of {}", source, i, weights.size());
    if (!decoded[i]) {
      Tensor t(weights[i].dtype, weights[i].shape);
      if (weights[i].bytes) std::memcpy(t.rawData(), weightBytes.data() + weights[i].offset, weights[i].bytes);
      decoded[i].emplace(std::move(t));
    }
    return *decoded[i];
  };
  const uint64_t ne = m.count("entry points", 8 + 8);
  for (uint64_t i = 0; i < ne && m.ok(); ++i) {
    EntryPoint e;
    e.name = m.str("entry point name");
    const uint64_t nt = m.count("targets", 8);
    for (uint64_t j = 0; j < nt && m.ok(); ++j) {
      EntryCode c;
      c.backend = m.str("backend");
      if (!m.ok()) break;
      INGOT_ASSIGN_OR_RETURN(c.plan, decodePlan(m, weight));
      // Kernel indices are checked against the code when it is loaded.
      if (Status v = c.plan.validate(std::numeric_limits<size_t>::max()); !v.isOk())
        return v.withContext(fmt::format("{}: entry point '{}' for {}", source, e.name, c.backend));
      INGOT_ASSIGN_OR_RETURN(std::string_view code, section(codeSectionName(e.name, c.backend)));
      c.code = std::string(code);
      e.targets.push_back(std::move(c));
    }
    a.entries.push_back(std::move(e));
  }
  INGOT_RETURN_IF_ERROR(m.finish());
  if (auto onnx = sections.find("onnx"); onnx != sections.end()) a.onnx = std::string(onnx->second);
  return a;
}

Expected<ArtifactContents> readArtifactFile(const std::string& path) {
  INGOT_ASSIGN_OR_RETURN(std::string bytes, readFileBytes(path));
  return parseArtifact(std::as_bytes(std::span(bytes.data(), bytes.size())), path);
}

}  // namespace ingot::rt
