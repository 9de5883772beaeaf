#include "runtime/PlanCodec.h"

namespace ingot::rt {

namespace {

constexpr uint64_t kMaxElements = 1ull << 40;
constexpr uint64_t kMaxBufferBytes = 1ull << 42;

void encodeSlots(const std::vector<TensorSlot>& slots, ByteWriter& w) {
  w.u64(slots.size());
  for (const TensorSlot& s : slots) {
    w.str(s.name);
    encodeTensorType(s.dtype, s.shape, w);
    w.u32(s.buffer);
  }
}

std::vector<TensorSlot> decodeSlots(ByteReader& r, const char* what) {
  std::vector<TensorSlot> out;
  const uint64_t n = r.count(what, 8 + 8 + 8 + 4);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    TensorSlot s;
    s.name = r.str("tensor name");
    if (!decodeTensorType(r, s.dtype, s.shape)) break;
    s.buffer = r.u32("tensor buffer");
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

void encodeTensorType(DType dtype, const Shape& shape, ByteWriter& w) {
  w.str(dtypeName(dtype));
  w.u64(shape.size());
  for (int64_t d : shape) w.i64(d);
}

bool decodeTensorType(ByteReader& r, DType& dtype, Shape& shape) {
  const std::string name = r.str("dtype");
  const uint64_t rank = r.count("rank", 8);
  shape.clear();
  uint64_t elements = 1;
  for (uint64_t i = 0; i < rank && r.ok(); ++i) {
    const int64_t d = r.i64("dimension");
    if (d < 0 || (d > 0 && elements > kMaxElements / static_cast<uint64_t>(d))) {
      r.fail(fmt::format("dimension {} of {} is negative or makes the tensor too large", i, d));
      return false;
    }
    elements *= static_cast<uint64_t>(d);
    shape.push_back(d);
  }
  if (!r.ok()) return false;
  std::optional<DType> t = parseDType(name);
  if (!t) {
    r.fail(fmt::format("unknown dtype '{}'", name));
    return false;
  }
  dtype = *t;
  return true;
}

void encodePlan(const Plan& plan, const std::function<uint64_t(size_t)>& weightIndex, ByteWriter& w) {
  w.u64(plan.buffers.size());
  for (const PlanBuffer& b : plan.buffers) {
    w.str(b.name);
    w.u64(b.bytes);
    w.u8(static_cast<uint8_t>(b.role));
    w.i64(b.initialData);
  }
  w.u64(plan.steps.size());
  for (const PlanStep& step : plan.steps) {
    if (const auto* c = std::get_if<CopyStep>(&step)) {
      w.u8(1);
      w.u32(c->src);
      w.u32(c->dst);
      w.u64(c->srcOffset);
      w.u64(c->dstOffset);
      w.u64(c->bytes);
      continue;
    }
    const auto& d = std::get<DispatchStep>(step);
    w.u8(0);
    w.u32(d.kernel);
    w.u64(d.bindings.size());
    for (const BufferRange& b : d.bindings) {
      w.u32(b.buffer);
      w.u64(b.offset);
      w.u64(b.bytes);
    }
    for (uint32_t g : d.grid) w.u32(g);
    w.u64(d.constants.size());
    for (uint32_t c : d.constants) w.u32(c);
  }
  encodeSlots(plan.inputs, w);
  encodeSlots(plan.outputs, w);
  encodeSlots(plan.state, w);
  w.u64(plan.initialData.size());
  for (size_t i = 0; i < plan.initialData.size(); ++i) w.u64(weightIndex(i));
}

Expected<Plan> decodePlan(ByteReader& r, const std::function<Expected<SharedTensor>(uint64_t)>& weight) {
  Plan p;
  const uint64_t nb = r.count("buffers", 8 + 8 + 1 + 8);
  for (uint64_t i = 0; i < nb && r.ok(); ++i) {
    PlanBuffer b;
    b.name = r.str("buffer name");
    b.bytes = r.u64("buffer bytes");
    const uint8_t role = r.u8("buffer role");
    b.initialData = r.i64("buffer initial data");
    if (!r.ok()) break;
    if (role > static_cast<uint8_t>(BufferRole::Temporary)) r.fail(fmt::format("buffer '{}': role {}", b.name, role));
    if (b.bytes > kMaxBufferBytes) r.fail(fmt::format("buffer '{}' of {} bytes", b.name, b.bytes));
    b.role = static_cast<BufferRole>(role);
    p.buffers.push_back(std::move(b));
  }
  const uint64_t ns = r.count("steps", 1 + 4 + 8);
  for (uint64_t i = 0; i < ns && r.ok(); ++i) {
    const uint8_t kind = r.u8("step kind");
    if (kind == 1) {
      CopyStep c;
      c.src = r.u32("copy source");
      c.dst = r.u32("copy destination");
      c.srcOffset = r.u64("copy source offset");
      c.dstOffset = r.u64("copy destination offset");
      c.bytes = r.u64("copy bytes");
      p.steps.push_back(c);
    } else if (kind == 0) {
      DispatchStep d;
      d.kernel = r.u32("kernel");
      const uint64_t nbind = r.count("bindings", 4 + 8 + 8);
      for (uint64_t b = 0; b < nbind && r.ok(); ++b) {
        BufferRange range;
        range.buffer = r.u32("binding buffer");
        range.offset = r.u64("binding offset");
        range.bytes = r.u64("binding bytes");
        d.bindings.push_back(range);
      }
      for (uint32_t& g : d.grid) g = r.u32("grid");
      const uint64_t nc = r.count("constants", 4);
      for (uint64_t c = 0; c < nc; ++c) d.constants.push_back(r.u32("constant"));
      p.steps.push_back(std::move(d));
    } else if (r.ok()) {
      r.fail(fmt::format("step {}: kind {}", i, kind));
    }
  }
  p.inputs = decodeSlots(r, "inputs");
  p.outputs = decodeSlots(r, "outputs");
  p.state = decodeSlots(r, "state");
  const uint64_t nd = r.count("initial data", 8);
  for (uint64_t i = 0; i < nd && r.ok(); ++i) {
    const uint64_t index = r.u64("weight index");
    if (!r.ok()) break;
    INGOT_ASSIGN_OR_RETURN(SharedTensor t, weight(index));
    p.initialData.push_back(std::move(t));
  }
  INGOT_RETURN_IF_ERROR(r.status());
  return p;
}

}  // namespace ingot::rt
