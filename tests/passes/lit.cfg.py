# lit configuration for the pass tests: text IR in, `ingot opt`, FileCheck.
# ctest runs this suite (tests/passes/CMakeLists.txt) with
#   --param ingot=<built binary> --param exec_root=<build dir>;
# by hand:
#   /usr/lib/llvm-19/build/utils/lit/lit.py -v --param ingot=build/tools/ingot tests/passes
import os

import lit.formats

config.name = "ingot-passes"
# Tests are .ingot.txt files; lit matches on the last extension.
config.suffixes = [".txt"]
config.excludes = ["CMakeLists.txt", "Inputs"]
# The external shell, so RUN lines may use `;`, `$?` and redirections.
config.test_format = lit.formats.ShTest(execute_external=True)
config.test_source_root = os.path.dirname(__file__)

llvm_bin = lit_config.params.get("llvm_bin", "/usr/lib/llvm-19/bin")
ingot = lit_config.params.get("ingot")
if not ingot:
    ingot = os.path.join(config.test_source_root, "..", "..", "build", "tools", "ingot")
ingot = os.path.abspath(ingot)
if not os.path.exists(ingot):
    lit_config.fatal("ingot binary not found at {} (pass --param ingot=PATH)".format(ingot))
config.test_exec_root = lit_config.params.get(
    "exec_root", os.path.join(os.path.dirname(ingot), "..", "lit-passes"))

config.substitutions.append(("%ingot", ingot))
# FileCheck and `not` come from llvm-19-tools.
config.environment["PATH"] = os.pathsep.join([llvm_bin, config.environment.get("PATH", os.environ["PATH"])])
