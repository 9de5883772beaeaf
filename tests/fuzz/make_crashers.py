#!/usr/bin/env python3
"""Writes hand-made inputs for the fuzz targets (see README.md).

  make_crashers.py                        writes the reproducers into
      crashers/: each the smallest input showing one bug found by fuzzing or
      by reading the code, named after the target that reads it
  make_crashers.py --large OUT_DIR        the reproducers too big to keep in
      git (run_fuzz.sh makes them each run)
  make_crashers.py --onnx-seeds OUT_DIR    extra fuzz_onnx seeds with extreme
      dims and attributes
run_fuzz.sh replays every reproducer through its target before fuzzing.
"""
import struct
import sys
import zlib
from pathlib import Path


def u8(v): return struct.pack('<B', v)
def u32(v): return struct.pack('<I', v)
def u64(v): return struct.pack('<Q', v)
def i64(v): return struct.pack('<q', v)
def string(s): return u64(len(s)) + s


def pad(b, a=64):
    return b + b'\0' * (-len(b) % a)


def artifact(sections):
    """The .ingot layout of runtime/Artifact.cpp (docs/ARTIFACT.md)."""
    offset = pad(b'\0' * (64 + 64 * len(sections)))
    offset = len(offset)
    table, body = b'', b''
    for name, data in sections:
        table += name.ljust(40, b'\0') + u64(offset) + u64(len(data)) + u32(zlib.crc32(data)) + u32(0)
        offset += len(pad(data))
        body += pad(data)
    head = b'INGOTART' + u32(1) + u32(len(sections)) + u64(offset) + u64(64) + u32(zlib.crc32(table))
    head = pad(head + u32(zlib.crc32(head)))
    out = pad(head + table) + body
    assert len(out) == offset
    return out


def tensor_type(dtype, dims):
    return string(dtype) + u64(len(dims)) + b''.join(i64(d) for d in dims)


def empty_slots():
    return u64(0)


def plan(buffers=(), initial=()):
    p = u64(len(buffers))
    for name, nbytes, role, init in buffers:
        p += string(name) + u64(nbytes) + u8(role) + i64(init)
    p += u64(0)  # steps
    p += empty_slots() + empty_slots() + empty_slots()
    p += u64(len(initial)) + b''.join(u64(i) for i in initial)
    return p


def meta(weights, entries):
    m = string(b'ingot fuzz') + string(b'crasher.onnx') + u64(len(weights))
    for dtype, dims, offset, nbytes in weights:
        m += tensor_type(dtype, dims) + u64(offset) + u64(nbytes)
    m += u64(len(entries))
    for name, targets in entries:
        m += string(name) + u64(len(targets))
        for backend, p in targets:
            m += string(backend) + p
    return m


def artifact_weight_amplification():
    """One 128 KiB weight referenced 20,000 times by one plan's initial data:
    parseArtifact copied the weight once per reference (2.6 GB from a 290 KB
    file) before anything could reject the plan. (A copy budget stopped it;
    now every reference shares one decoded copy.)"""
    n = 32768
    weights = [(b'f32', [n], 0, 4 * n)]
    p = plan(initial=[0] * 20000)
    return artifact([(b'meta', meta(weights, [(b'infer', [(b'llvm', p)])])),
                     (b'weights', b'\0' * (4 * n)),
                     (b'code:infer:llvm', b'')])


def artifact_empty_weight():
    """A weight of zero elements: parseArtifact memcpy()d 0 bytes into the
    tensor's null data pointer (UBSan: null passed as a nonnull argument)."""
    weights = [(b'f32', [0], 0, 0)]
    p = plan(buffers=[(b'w', 0, 2, 0)], initial=[0])
    return artifact([(b'meta', meta(weights, [(b'infer', [(b'llvm', p)])])),
                     (b'weights', b''),
                     (b'code:infer:llvm', b'')])


def elf(sections, shstrndx):
    """An x86-64 ET_REL ELF: sections are (name, type, flags, offset, size,
    link, info, align, entsize); the names go into a .shstrtab at the end."""
    names = b'\0'
    name_off = []
    for s in sections:
        name_off.append(len(names))
        names += s[0] + b'\0'
    strtab_off = 64
    shoff = strtab_off + len(pad(names, 8))
    ehdr = (b'\x7fELF' + bytes([2, 1, 1, 0]) + b'\0' * 8 +
            struct.pack('<HHIQQQIHHHHHH', 1, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64, len(sections), shstrndx))
    shdrs = b''
    for (name, typ, flags, off, size, link, info, align, entsize), no in zip(sections, name_off):
        if off == 'strtab':
            off, size = strtab_off, len(names)
        shdrs += struct.pack('<IIQQQQIIQQ', no, typ, flags, 0, off, size, link, info, align, entsize)
    return ehdr + pad(names, 8) + shdrs


SHT_NULL, SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_RELA = 0, 1, 2, 3, 4
SHF_ALLOC = 2


def elf_null_alloc_section():
    """A section of type SHT_NULL with SHF_ALLOC and 1 MiB at offset 1 GiB:
    the bounds check skipped SHT_NULL sections but layout() copies them."""
    return elf([(b'', SHT_NULL, 0, 0, 0, 0, 0, 0, 0),
                (b'.shstrtab', SHT_STRTAB, 0, 'strtab', 0, 0, 0, 1, 0),
                (b'.data', SHT_NULL, SHF_ALLOC, 1 << 30, 1 << 20, 0, 0, 16, 0)], shstrndx=1)


def elf_empty_symtab():
    """An empty symbol table: readSymbols memcpy()d 0 bytes into the empty
    vector's null data pointer (UBSan: null passed as a nonnull argument)."""
    return elf([(b'', SHT_NULL, 0, 0, 0, 0, 0, 0, 0),
                (b'.shstrtab', SHT_STRTAB, 0, 'strtab', 0, 0, 0, 1, 0),
                (b'.symtab', SHT_SYMTAB, 0, 64, 0, 1, 0, 8, 24)], shstrndx=1)


# ---- ONNX (protobuf wire format, the few fields the importer reads) ----------

def varint(v):
    v &= (1 << 64) - 1
    out = b''
    while v >= 0x80:
        out += bytes([(v & 0x7f) | 0x80])
        v >>= 7
    return out + bytes([v])


def pb_int(field, v): return varint(field << 3) + varint(v)
def pb_bytes(field, b):
    b = b.encode() if isinstance(b, str) else b
    return varint(field << 3 | 2) + varint(len(b)) + b


FLOAT, INT64 = 1, 7
BIG = 1 << 62
INT64_MAX = (1 << 63) - 1


def onnx_tensor(name, dtype, dims, int64s=(), raw=None):
    t = b''.join(pb_int(1, d) for d in dims) + pb_int(2, dtype) + pb_bytes(8, name)
    t += b''.join(pb_int(7, v) for v in int64s)
    return t + (pb_bytes(9, raw) if raw is not None else b'')


def onnx_value(name, dtype, dims):
    shape = b''.join(pb_bytes(1, pb_int(1, d)) for d in dims)
    return pb_bytes(1, name) + pb_bytes(2, pb_bytes(1, pb_int(1, dtype) + pb_bytes(2, shape)))


def onnx_attr_int(name, v): return pb_bytes(1, name) + pb_int(3, v) + pb_int(20, 2)


def onnx_node(op, inputs, outputs, attrs=()):
    return (b''.join(pb_bytes(1, i) for i in inputs) + b''.join(pb_bytes(2, o) for o in outputs) +
            pb_bytes(4, op) + b''.join(pb_bytes(5, a) for a in attrs))


def onnx_model(nodes, inputs, outputs, inits=(), opset=17):
    g = (b''.join(pb_bytes(1, n) for n in nodes) + pb_bytes(2, 'g') + b''.join(pb_bytes(5, t) for t in inits) +
         b''.join(pb_bytes(11, i) for i in inputs) + b''.join(pb_bytes(12, o) for o in outputs))
    return pb_int(1, 8) + pb_bytes(8, pb_bytes(1, '') + pb_int(2, opset)) + pb_bytes(7, g)


def onnx_flatten_huge_input():
    """A graph input declared [2^62, 2^62, 4]: Flatten's shape rule multiplies
    the dims in int64 (ir/ops/ShapeOps.cpp flattenTypes) and overflows."""
    return onnx_model([onnx_node('Flatten', ['x'], ['y'])], [onnx_value('x', FLOAT, [BIG, BIG, 4])],
                      [onnx_value('y', FLOAT, [])])


def onnx_concat_empty_initializer():
    """An initializer of shape [0, 2^62] (0 elements, so the TensorProto check
    passes) concatenated with itself on axis 1: Concat's shape rule adds the
    dims in int64 (ir/ops/ShapeOps.cpp concatTypes) and overflows."""
    return onnx_model([onnx_node('Concat', ['w', 'w'], ['y'], [onnx_attr_int('axis', 1)])], [],
                      [onnx_value('y', FLOAT, [])], inits=[onnx_tensor('w', FLOAT, [0, BIG], raw=b'')])


def onnx_size_huge_input():
    """Size of an input declared [2^62, 2^62]: the element count overflows
    int64 in support/Tensor.cpp numElements."""
    return onnx_model([onnx_node('Size', ['x'], ['y'])], [onnx_value('x', FLOAT, [BIG, BIG])],
                      [onnx_value('y', INT64, [])])


def onnx_pad_huge_pads():
    """Pad with pads [INT64_MAX, INT64_MAX]: dim + pads overflows int64
    (ir/ops/PadOps.cpp, the loop over dims after the pads are read)."""
    return onnx_model([onnx_node('Pad', ['x', 'p'], ['y'])], [onnx_value('x', FLOAT, [2])],
                      [onnx_value('y', FLOAT, [])], inits=[onnx_tensor('p', INT64, [2], [INT64_MAX, INT64_MAX])])


def onnx_attr_ints(name, vs): return pb_bytes(1, name) + b''.join(pb_int(8, v) for v in vs) + pb_int(20, 7)


def onnx_extreme_seeds():
    """Seeds for fuzz_onnx (not crashers): small models whose dims, axes,
    pads, indices and counts are extreme, each rejected with a message or
    imported. Mutating protobuf bytes rarely turns a 1-byte varint into a
    9-byte one, so these start the fuzzer next to the interesting values."""
    imin, f, i64 = -(1 << 63), FLOAT, INT64

    def unary(op, dims, attrs=(), dtype=f):
        return onnx_model([onnx_node(op, ['x'], ['y'], attrs)], [onnx_value('x', dtype, dims)], [onnx_value('y', f, [])])

    def consts(op, values, attrs=(), outputs=('y',)):
        names = [chr(ord('a') + k) for k in range(len(values))]
        inits = [onnx_tensor(n, i64, [len(v)] if v is not None else [], v if v is not None else [0])
                 for n, v in zip(names, values)]
        return onnx_model([onnx_node(op, names, list(outputs), attrs)], [], [onnx_value(outputs[0], i64, [])], inits)

    def with_input(op, dims, values, attrs=()):
        names = ['c%d' % k for k in range(len(values))]
        inits = [onnx_tensor(n, i64, [len(v)], v) for n, v in zip(names, values)]
        return onnx_model([onnx_node(op, ['x'] + names, ['y'], attrs)], [onnx_value('x', f, dims)],
                          [onnx_value('y', f, [])], inits)

    return {
        'relu-huge-input': unary('Relu', [BIG, BIG]),
        'softmax-huge-input': unary('Softmax', [BIG, BIG]),
        'transpose-huge-input': unary('Transpose', [BIG, BIG]),
        'reducesum-huge-input': unary('ReduceSum', [BIG, 4]),
        'softmax-axis-min': unary('Softmax', [2, 3], [onnx_attr_int('axis', imin)]),
        'argmax-axis-max': unary('ArgMax', [2, 3], [onnx_attr_int('axis', INT64_MAX)]),
        'transpose-perm-max': unary('Transpose', [2, 3], [onnx_attr_ints('perm', [INT64_MAX, 0])]),
        'add-int64-overflow': consts('Add', [[INT64_MAX], [1]]),
        'mul-int64-overflow': consts('Mul', [[INT64_MAX], [3]]),
        'div-int64-by-zero': consts('Div', [[5], [0]]),
        'div-int64-min-by-minus1': consts('Div', [[imin], [-1]]),
        'mod-int64-by-zero': consts('Mod', [[5], [0]]),
        'neg-int64-min': consts('Neg', [[imin]]),
        'abs-int64-min': consts('Abs', [[imin]]),
        'reduceprod-int64-overflow': consts('ReduceProd', [[INT64_MAX, INT64_MAX]]),
        'cumsum-int64-overflow': consts('CumSum', [[INT64_MAX, INT64_MAX], None]),
        'range-huge': consts('Range', [None, [INT64_MAX], [1]]),
        'range-overflow': consts('Range', [[imin], [INT64_MAX], [INT64_MAX]]),
        'range-zero-delta': consts('Range', [None, [5], [0]]),
        'gather-index-max': consts('Gather', [[1, 2, 3], [INT64_MAX]]),
        'gather-index-min': consts('Gather', [[1, 2, 3], [imin]]),
        'constantofshape-huge': consts('ConstantOfShape', [[1 << 40, 1 << 40, 1 << 40]]),
        'constantofshape-negative': consts('ConstantOfShape', [[-1, 5]]),
        'expand-huge': with_input('Expand', [1], [[1 << 40, 1 << 40, 1 << 40]]),
        'tile-repeats-max': with_input('Tile', [2], [[INT64_MAX]]),
        'pad-pads-min': with_input('Pad', [2], [[imin, 0]]),
        'reshape-zero-huge': with_input('Reshape', [0], [[0, 1 << 40, 1 << 40]]),
        'slice-extremes': with_input('Slice', [10], [[imin], [INT64_MAX], [0], [imin]]),
        'unsqueeze-axes-extreme': with_input('Unsqueeze', [2], [[imin, INT64_MAX]]),
        'split-sizes-extreme': with_input('Split', [4], [[INT64_MAX, -INT64_MAX + 4]]),
    }


def onnx_clip6_int8():
    """Clip at opset 6 (min/max attributes) on an int8 input: the importer
    converts the default bounds (+-FLT_MAX) to int8, a float-to-integer
    conversion out of range (frontend/OnnxOpTable.cpp importClip6)."""
    return onnx_model([onnx_node('Clip', ['x'], ['y'])], [onnx_value('x', 3, [2])],
                      [onnx_value('y', 3, [])], opset=6)


def onnx_split_sizes_overflow():
    """Split (opset 13) of a [7] tensor into sizes [7, INT64_MAX]: the sum of
    the sizes overflows int64 (ir/ops/IndexingOps.cpp splitSizes)."""
    return onnx_model([onnx_node('Split', ['x', 's'], ['a', 'b'])], [onnx_value('x', FLOAT, [7])],
                      [onnx_value('a', FLOAT, [])], inits=[onnx_tensor('s', INT64, [2], [7, INT64_MAX])], opset=13)


def onnx_split_num_outputs_alloc():
    """Split (opset 18) of a [2^33] input with num_outputs 2^33 but two
    outputs: splitSizes allocates 2^33 sizes (64 GiB) before anything
    compares num_outputs with the node's outputs; num_outputs INT64_MAX
    overflows `dim + parts - 1` instead."""
    return onnx_model([onnx_node('Split', ['x'], ['a', 'b'], [onnx_attr_int('num_outputs', 1 << 33)])],
                      [onnx_value('x', FLOAT, [1 << 33])], [onnx_value('a', FLOAT, [])], opset=18)


def onnx_trilu_k_max():
    """Trilu with k = INT64_MAX: scalarInput returns it as a double (2^63),
    which static_cast<int64_t> cannot hold (frontend/OnnxOpTable.cpp
    importTrilu; importCumSum's axis and importOneHot's depth alike)."""
    return onnx_model([onnx_node('Trilu', ['x', 'k'], ['y'])], [onnx_value('x', FLOAT, [3, 3])],
                      [onnx_value('y', FLOAT, [])], inits=[onnx_tensor('k', INT64, [], [INT64_MAX])])


def onnx_pad2_int_value():
    """Pad at opset 2 on an int32 input with value=1e30: the float attribute
    is converted to int32 out of range (frontend/OnnxOpTable.cpp importPad2)."""
    value = pb_bytes(1, 'value') + varint(2 << 3 | 5) + struct.pack('<f', 1e30) + pb_int(20, 1)
    return onnx_model([onnx_node('Pad', ['x'], ['y'], [value, pb_bytes(1, 'pads') + pb_int(8, 1) + pb_int(8, 1) +
                                                       pb_int(20, 7)])],
                      [onnx_value('x', 6, [2])], [onnx_value('y', 6, [])], opset=2)


def onnx_unsqueeze_many_axes():
    """Unsqueeze of a [1] input with 100,000 axes: the shape rule looked
    each axis up in a list (ir/ShapeUtil.cpp normalizeAxes, ir/ops/ShapeOps.cpp
    unsqueezeTypes), 10^10 steps; found by fuzz_onnx as a timeout in CI."""
    return onnx_model([onnx_node('Unsqueeze', ['x'], ['y'], [onnx_attr_ints('axes', range(100000))])],
                      [onnx_value('x', FLOAT, [1])], [onnx_value('y', FLOAT, [])], opset=11)


def onnx_split_duplicate_num_outputs():
    """Split (opset 18) of a [2^32] input with two num_outputs attributes, 2
    and 2^32: the importer checked the first against the node's two outputs
    but the IR took the last, and splitSizes allocated 2^32 sizes (32 GiB).
    Found by fuzz_onnx in CI as an out-of-memory report. Duplicate attribute
    names are now an error, and num_outputs is capped in the type rule."""
    return onnx_model([onnx_node('Split', ['x'], ['a', 'b'], [onnx_attr_int('num_outputs', 2),
                                                             onnx_attr_int('num_outputs', 1 << 32)])],
                      [onnx_value('x', FLOAT, [1 << 32])], [onnx_value('a', FLOAT, [])], opset=18)


def onnx_split_negative_opset():
    """Split (num_outputs 65,536) of an [65536] input on a node with two
    outputs, in a model importing opset -2^31: no import rule applies below
    version 1, so the node went to the IR op unchecked, and naming its
    65,536 results compared every name with every earlier one (a timeout in
    fuzz_onnx). Negative opsets are now an error, and result naming is
    linear (ir/Graph.cpp nameResults)."""
    return onnx_model([onnx_node('Split', ['x'], ['a', 'b'], [onnx_attr_int('num_outputs', 65536)])],
                      [onnx_value('x', FLOAT, [65536])], [onnx_value('a', FLOAT, [])], opset=-(1 << 31))


def onnx_pad_min_max_pads():
    """Pad(a, a) of the int64 initializer a = [INT64_MIN, INT64_MAX], padded by
    itself: the sizes sum to a valid 1, and import-time folding ran the
    kernel, which computed index - begin = 0 - INT64_MIN (UBSan,
    ir/ops/PadOps.cpp padKernel; found by exploring fuzz_onnx). A pad may now
    remove at most the whole dim."""
    return onnx_model([onnx_node('Pad', ['a', 'a'], ['y'])], [], [onnx_value('y', INT64, [])],
                      inits=[onnx_tensor('a', INT64, [2], [-(1 << 63), INT64_MAX])])


def onnx_const(name, dtype, dims, raw):
    """A Constant node: its value, unlike an initializer's (a parameter), folds."""
    return onnx_node('Constant', [], [name], [pb_bytes(1, 'value') + pb_bytes(5, onnx_tensor('', dtype, dims, raw=raw)) +
                                             pb_int(20, 4)])


def onnx_matmul_empty_huge_batch():
    """MatMul of Constants [2^32, 0, 2] (0 elements) and [2, 3]: the result
    [2^32, 0, 3] is empty, so the fold pass (passes/ConstantFolding.cpp, which
    bounded the element count) ran the reference kernel, and it built a
    batch-index list of 2^32 entries (32 GiB; `ingot opt` died of bad_alloc).
    Found while looking for a CI out-of-memory report; import bounded the
    dims already, the pass is covered by tests/passes/fold-negative."""
    b = struct.pack('<6f', 1, 2, 3, 4, 5, 6)
    return onnx_model([onnx_const('a', FLOAT, [1 << 32, 0, 2], b''), onnx_const('b', FLOAT, [2, 3], b),
                       onnx_node('MatMul', ['a', 'b'], ['y'])], [], [onnx_value('y', FLOAT, [])])


def onnx_softmax_empty_rows():
    """Softmax over the last axis of a Constant [2^36, 0]: the result is
    empty, but a kernel that walks rows takes 2^36 steps (`ingot opt` ran
    for minutes in the fold pass). Folding now bounds the loop extent
    (ir/ShapeUtil.h loopExtent), not the element count."""
    return onnx_model([onnx_const('a', FLOAT, [1 << 36, 0], b''), onnx_node('Softmax', ['a'], ['y'])], [],
                      [onnx_value('y', FLOAT, [])])


def ir_text_split_huge_num_outputs():
    """Split of an input f32[2^32] with num_outputs 2^32: each part is one
    element, so the split itself was valid, and splitSizes allocated 2^32
    sizes (32 GiB). The type rule now caps num_outputs at 2^16."""
    return (b'graph @g {\n  input %x : f32[4294967296]\n'
            b'  %a = Split(%x) {num_outputs = 4294967296} : f32[1]\n  output %a\n}\n')


def ir_text_many_results():
    """One node with 100,000 results: the text IR parser checked each new
    result name against every earlier one of the node (ir/TextParser.cpp
    parseNewValueName), 5*10^9 string comparisons, ~50 s for an 890 KB file."""
    names = ', '.join(f'%r{i}' for i in range(100000))
    return (f'graph @g {{\n  input %x : f32[1]\n  {names} = Relu(%x) : f32[1]\n  output %x\n}}\n').encode()


LARGE = {'fuzz_artifact-weight-amplification',  # 290 KB
         'fuzz_onnx-unsqueeze-many-axes',  # 390 KB
         'fuzz_ir_text-many-results'}  # 890 KB
CRASHERS = {
    'fuzz_artifact-weight-amplification': artifact_weight_amplification,
    'fuzz_artifact-empty-weight': artifact_empty_weight,
    'fuzz_elf-null-alloc-section': elf_null_alloc_section,
    'fuzz_elf-empty-symtab': elf_empty_symtab,
    'fuzz_onnx-flatten-huge-input': onnx_flatten_huge_input,
    'fuzz_onnx-concat-empty-initializer': onnx_concat_empty_initializer,
    'fuzz_onnx-size-huge-input': onnx_size_huge_input,
    'fuzz_onnx-pad-huge-pads': onnx_pad_huge_pads,
    'fuzz_onnx-clip6-int8': onnx_clip6_int8,
    'fuzz_onnx-split-sizes-overflow': onnx_split_sizes_overflow,
    'fuzz_onnx-split-num-outputs-alloc': onnx_split_num_outputs_alloc,
    'fuzz_onnx-trilu-k-max': onnx_trilu_k_max,
    'fuzz_onnx-pad2-int-value': onnx_pad2_int_value,
    'fuzz_onnx-unsqueeze-many-axes': onnx_unsqueeze_many_axes,
    'fuzz_onnx-split-duplicate-num-outputs': onnx_split_duplicate_num_outputs,
    'fuzz_onnx-split-negative-opset': onnx_split_negative_opset,
    'fuzz_onnx-pad-min-max-pads': onnx_pad_min_max_pads,
    'fuzz_ir_text-split-huge-num-outputs': ir_text_split_huge_num_outputs,
    'fuzz_onnx-matmul-empty-huge-batch': onnx_matmul_empty_huge_batch,
    'fuzz_onnx-softmax-empty-rows': onnx_softmax_empty_rows,
    'fuzz_ir_text-many-results': ir_text_many_results,
}

if __name__ == '__main__':
    args = sys.argv[1:]
    if args[:1] == ['--onnx-seeds']:
        out = Path(args[1])
        out.mkdir(parents=True, exist_ok=True)
        for name, model in onnx_extreme_seeds().items():
            (out / f'extreme-{name}.onnx').write_bytes(model)
        sys.exit(0)
    large = args[:1] == ['--large']
    out = Path(args[1]) if large else Path(__file__).parent / 'crashers'
    out.mkdir(parents=True, exist_ok=True)
    for name, make in CRASHERS.items():
        if (name in LARGE) == large:
            (out / name).write_bytes(make())
            print(out / name)
