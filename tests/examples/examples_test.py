#!/usr/bin/env python3
"""Drives the embedding tests (tests/examples/CMakeLists.txt says which).

Each subcommand is one CTest test; they share a work directory:
  artifacts     compile the artifacts the C API unit tests use (--out DIR)
  install       `cmake --install` the runtime and dev components into work/prefix
  data          gunzip the Fashion-MNIST test split into work/data (skip: 77)
  models        train the MLP briefly with `ingot train`, compile the artifacts
  dependencies  the installed library needs no LLVM, glslang, SPIRV or protobuf
  embed_c       build examples/embed_c against work/prefix, run it, and compare
                its accuracy with `ingot eval` on the same model
  embed_cpp     the same for examples/embed_cpp, which also trains and saves
                ONNX: `ingot eval` of that file must match its accuracy
"""
import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys

SKIP = 77
FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
# Libraries an embedding application must never pull in.
FORBIDDEN = re.compile(r"LLVM|glslang|SPIRV|protobuf|onnx", re.IGNORECASE)
# embed_c's accuracy must equal `ingot eval`'s within this (one image of 10000
# may flip where batch-1 and batch-1000 kernels round a near-tie differently).
ACCURACY_TOLERANCE = 1e-4


def run(cmd, quiet=False, **kw):
    """Runs `cmd` and returns its output; `quiet` prints the output only when it fails."""
    print("$ " + " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if not quiet or proc.returncode != 0:
        print(proc.stdout, end="", flush=True)
    if proc.returncode != 0:
        sys.exit(f"command failed with exit code {proc.returncode}: {' '.join(cmd)}")
    return proc.stdout


def cmd_artifacts(a):
    os.makedirs(a.out, exist_ok=True)
    models = os.path.join(a.source_dir, "tests", "data", "models")
    jobs = [
        ("mlp_b1.ingot", "mlp.onnx", ["--batch", "1"]),
        ("gelu_mlp_b1.ingot", "gelu_mlp.onnx", ["--batch", "1"]),
        ("mlp_train_b8.ingot", "mlp.onnx", ["--batch", "8", "--train", "cross-entropy,adam"]),
        ("mlp_vulkan_llvm_b1.ingot", "mlp.onnx", ["--batch", "1", "--target", "vulkan,llvm"]),
    ]
    for out, model, flags in jobs:
        if "--target" not in flags:
            flags = ["--target", "llvm", *flags]
        # Written aside and renamed: a test never sees half a file. (The
        # .ingot extension is what makes `ingot compile -o` write an artifact.)
        tmp = os.path.join(a.out, "partial-" + out)
        run([a.ingot, "compile", os.path.join(models, model), *flags, "-o", tmp])
        os.replace(tmp, os.path.join(a.out, out))


def prefix(a):
    return os.path.join(a.work_dir, "prefix")


def cmd_install(a):
    shutil.rmtree(prefix(a), ignore_errors=True)
    for component in ("ingot_runtime", "ingot_dev"):
        run(["cmake", "--install", a.build_dir, "--prefix", prefix(a), "--component", component], quiet=True)
    found = {os.path.relpath(os.path.join(d, f), prefix(a)) for d, _, fs in os.walk(prefix(a)) for f in fs}
    print("installed:\n  " + "\n  ".join(sorted(found)))
    for pattern in [r"include/ingot/ingot\.h", r"include/ingot/ingot\.hpp", r"lib.*/libingot_runtime\.so",
                    r"lib.*/cmake/ingot/ingot-config\.cmake", r"lib.*/cmake/ingot/ingot-config-version\.cmake",
                    r"lib.*/pkgconfig/ingot\.pc"]:
        if not any(re.fullmatch(pattern, f) for f in found):
            sys.exit(f"nothing installed matches {pattern}")
    if shutil.which("pkg-config"):
        pc_dir = os.path.dirname(next(os.path.join(prefix(a), f) for f in found if f.endswith("ingot.pc")))
        flags = run(["pkg-config", "--cflags", "--libs", "ingot"], env={**os.environ, "PKG_CONFIG_PATH": pc_dir})
        if "-lingot_runtime" not in flags or os.path.realpath(prefix(a)) not in os.path.realpath(
                flags.split()[0][2:]):
            sys.exit(f"pkg-config gives unexpected flags: {flags}")


def data_dir(a):
    return os.path.join(a.work_dir, "data")


def cmd_data(a):
    skip_without_data()
    os.makedirs(data_dir(a), exist_ok=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        with gzip.open(os.path.join(FASHION_MNIST, name + ".gz"), "rb") as src, \
                open(os.path.join(data_dir(a), name), "wb") as dst:
            shutil.copyfileobj(src, dst)


def model_file(a, name):
    return os.path.join(a.work_dir, "models", name)


def skip_without_data():
    if not os.path.isdir(FASHION_MNIST):
        print(f"skipped: {FASHION_MNIST} is missing (Debian package dataset-fashion-mnist)")
        sys.exit(SKIP)


def cmd_models(a):
    skip_without_data()
    os.makedirs(os.path.join(a.work_dir, "models"), exist_ok=True)
    mlp = os.path.join(a.source_dir, "tests", "data", "models", "mlp.onnx")
    # One short epoch is enough for an accuracy well above chance.
    run([a.ingot, "train", mlp, "--data", "fashion-mnist", "--epochs", "1", "--batch", "64", "--seed", "1",
         "--threads", "2", "-o", model_file(a, "trained.onnx")])
    run([a.ingot, "compile", model_file(a, "trained.onnx"), "--batch", "1", "--target", "llvm",
         "-o", model_file(a, "trained_b1.ingot")])
    run([a.ingot, "compile", mlp, "--batch", "32", "--target", "llvm", "--train", "cross-entropy,adam",
         "-o", model_file(a, "mlp_train_b32.ingot")])


def needed_libraries(path):
    out = run(["readelf", "-d", path], quiet=True)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def check_dependencies(path):
    """The direct (readelf -d) and transitive (ldd) dependencies of `path`."""
    needed = needed_libraries(path)
    bad = [n for n in needed if FORBIDDEN.search(n)]
    ldd = run(["ldd", path], quiet=True)
    bad += [line.strip() for line in ldd.splitlines() if FORBIDDEN.search(line)]
    if bad:
        sys.exit(f"{path} depends on {bad}")
    print(f"{path}: needs {', '.join(needed)}; nothing of LLVM, glslang, SPIRV or protobuf")


def installed_library(a):
    for d, _, fs in os.walk(prefix(a)):
        for f in fs:
            if f == "libingot_runtime.so":
                return os.path.join(d, f)
    sys.exit("libingot_runtime.so is not installed")


def cmd_dependencies(a):
    lib = installed_library(a)
    check_dependencies(lib)
    # Only the C API is exported: every defined dynamic symbol is ingot_* or
    # one of libstdc++'s vague-linkage objects (typeinfo of std:: templates).
    out = run(["nm", "-D", "--defined-only", lib], quiet=True)
    exported = [line.split()[-1] for line in out.splitlines() if line.strip()]
    stray = [s for s in exported if not s.startswith("ingot_") and not re.match(r"_Z(TI|TS|TV|ZN?)?St|_ZZNSt", s)]
    if stray:
        sys.exit(f"{lib} exports more than the C API: {stray[:20]}")
    print(f"{len([s for s in exported if s.startswith('ingot_')])} C API functions exported")


def build_example(a, name):
    src = os.path.join(a.source_dir, "examples", name)
    build = os.path.join(a.work_dir, "build_" + name)
    shutil.rmtree(build, ignore_errors=True)
    run(["cmake", "-S", src, "-B", build, "-G", a.generator, f"-DCMAKE_PREFIX_PATH={prefix(a)}",
         f"-DCMAKE_C_COMPILER={a.c_compiler}", f"-DCMAKE_CXX_COMPILER={a.cxx_compiler}",
         "-DCMAKE_BUILD_TYPE=Release", "--no-warn-unused-cli"], quiet=True)
    run(["cmake", "--build", build], quiet=True)
    binary = os.path.join(build, name)
    check_dependencies(binary)
    return binary


def ingot_eval(a, model):
    out = run([a.ingot, "eval", model, "--data", "fashion-mnist", "--json", "--threads", "2"])
    return json.loads(out.strip().splitlines()[-1])["accuracy"]


def accuracies(text, pattern):
    return [float(x) for x in re.findall(pattern, text)]


def compare(what, got, expected):
    print(f"{what}: {got:.6f}, ingot eval: {expected:.6f}")
    if abs(got - expected) > ACCURACY_TOLERANCE:
        sys.exit(f"{what} {got} differs from ingot eval's {expected} by more than {ACCURACY_TOLERANCE}")


def images(a):
    return [os.path.join(data_dir(a), "t10k-images-idx3-ubyte"), os.path.join(data_dir(a), "t10k-labels-idx1-ubyte")]


def cmd_embed_c(a):
    skip_without_data()
    binary = build_example(a, "embed_c")
    out = run([binary, model_file(a, "trained_b1.ingot"), *images(a)], env={**os.environ, "INGOT_THREADS": "1"})
    got = accuracies(out, r"accuracy: ([0-9.]+)")
    if len(got) != 1:
        sys.exit("embed_c printed no accuracy")
    if got[0] < 0.5:
        sys.exit(f"accuracy {got[0]} is hardly above chance: is the model trained?")
    compare("embed_c accuracy", got[0], ingot_eval(a, model_file(a, "trained.onnx")))


def cmd_embed_cpp(a):
    skip_without_data()
    binary = build_example(a, "embed_cpp")
    saved = model_file(a, "embed_cpp_trained.onnx")
    out = run([binary, model_file(a, "trained_b1.ingot"), model_file(a, "mlp_train_b32.ingot"), *images(a), "60",
               saved], env={**os.environ, "INGOT_THREADS": "1"})
    inferred = accuracies(out, r"inference on \S+: accuracy ([0-9.]+)")
    trained = accuracies(out, r"after training: accuracy ([0-9.]+)")
    if len(inferred) != 1 or len(trained) != 1:
        sys.exit("embed_cpp did not print both accuracies")
    compare("embed_cpp accuracy", inferred[0], ingot_eval(a, model_file(a, "trained.onnx")))
    # The saved ONNX (written without protobuf) is what the C++ program
    # trained: the importer reads it, and evaluates it the same.
    compare("accuracy of embed_cpp's trained ONNX", trained[0], ingot_eval(a, saved))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for flag in ("--ingot", "--source-dir", "--build-dir", "--work-dir", "--generator", "--c-compiler",
                 "--cxx-compiler"):
        p.add_argument(flag, required=True)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("artifacts").add_argument("--out", required=True)
    for name in ("install", "data", "models", "dependencies", "embed_c", "embed_cpp"):
        sub.add_parser(name)
    a = p.parse_args()
    os.makedirs(a.work_dir, exist_ok=True)
    globals()["cmd_" + a.command](a)


if __name__ == "__main__":
    main()
