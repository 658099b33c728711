#!/usr/bin/python3
"""The layering check: every stage of the data path includes only headers of the stages it
declares it depends on.

The law is in the CMake files: `calmspace_stage(NAME DIR folder DEPENDS stage ...)` (core/
CMakeLists.txt) and `calmspace_layer(...)` (targets built their own way: serve/, cuda/). For each
declared folder, every #include "..." of its files (not of sub-folders, which are stages of their
own) must name a file of the same stage or of a stage in its DEPENDS; including a folder that is no
stage (tools/, tests/, bench/) is a violation too. The declared graph must have no cycle.
  /usr/bin/python3 scripts/check_layering.py [--root DIR]   exit 1 and one line per violation
  /usr/bin/python3 scripts/check_layering.py --self-test     plants a wrong include in a copy of
                                                             the tree and checks that it is caught
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

CMAKE_FILES = ["core/CMakeLists.txt", "serve/CMakeLists.txt", "cuda/CMakeLists.txt"]
CALL = re.compile(r"calmspace_(?:stage|layer)\(([^)]*)\)", re.S)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SOURCES = (".h", ".hpp", ".cpp", ".cu", ".cuh", ".inc")


def declared(root):
    """{stage name: (folder, [dependencies], cmake file)} from the CMake calls."""
    stages = {}
    for cmake in CMAKE_FILES:
        path = os.path.join(root, cmake)
        if not os.path.exists(path):
            continue
        text = re.sub(r"#[^\n]*", "", open(path).read())  # comments out
        for call in CALL.finditer(text):
            words = call.group(1).split()
            name, key, entry = words[0], None, {"DIR": None, "DEPENDS": []}
            for w in words[1:]:
                if w in ("DIR", "DEPENDS", "PUBLIC_LIBS", "PRIVATE_LIBS"):
                    key = w
                elif key == "DIR":
                    entry["DIR"] = w
                elif key == "DEPENDS":
                    entry["DEPENDS"].append(w)
            if name in stages:
                raise SystemExit(f"{cmake}: stage {name} declared twice")
            stages[name] = (entry["DIR"], entry["DEPENDS"], cmake)
    return stages


def cycle(stages):
    """A dependency cycle as a list of names, or None."""
    state = {}

    def visit(n, path):
        if state.get(n) == "open":
            return path[path.index(n):] + [n]
        if state.get(n) == "done" or n not in stages:
            return None
        state[n] = "open"
        for d in stages[n][1]:
            found = visit(d, path + [n])
            if found:
                return found
        state[n] = "done"
        return None

    for n in stages:
        found = visit(n, [])
        if found:
            return found
    return None


def violations(root):
    stages = declared(root)
    out = []
    for name, (_, deps, cmake) in stages.items():
        for d in deps:
            if d not in stages:
                out.append(f"{cmake}: {name} depends on '{d}', which is no stage")
    found = cycle(stages)
    if found:
        out.append("dependency cycle: " + " -> ".join(found))
    folder_of = {folder: name for name, (folder, _, _) in stages.items()}
    # The stage owning an included path: its folder is the include's folder.
    for name, (folder, deps, cmake) in sorted(stages.items()):
        directory = os.path.join(root, folder)
        if not os.path.isdir(directory):
            out.append(f"{cmake}: stage {name}'s folder {folder} does not exist")
            continue
        for file in sorted(os.listdir(directory)):
            if not file.endswith(SOURCES):
                continue
            path = os.path.join(folder, file)
            for inc in INCLUDE.findall(open(os.path.join(root, path), errors="replace").read()):
                inc_folder = os.path.dirname(inc)
                if not inc_folder:
                    continue  # a sibling included by bare name
                owner = folder_of.get(inc_folder)
                if owner is None:
                    if inc_folder.split("/")[0] in ("core", "cuda", "serve", "datasets", "tools",
                                                    "tests", "bench"):
                        out.append(f"{path}: includes {inc}, which belongs to no stage")
                    continue  # a system or third-party header
                if owner != name and owner not in deps:
                    out.append(f"{path}: includes {inc}, but {name} does not depend on {owner} "
                               f"({cmake})")
    return out


def self_test():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        for d in ("core", "serve", "cuda", "datasets", "cmake"):
            if os.path.isdir(os.path.join(here, d)):
                shutil.copytree(os.path.join(here, d), os.path.join(tmp, d))
        clean = violations(tmp)
        if clean:
            print("the tree itself has violations:\n" + "\n".join(clean))
            return 1
        target = os.path.join(tmp, "core", "model", "sequence_model.h")
        with open(target, "a") as f:
            f.write('\n#include "core/train/trainer.h"  // planted\n')
        planted = violations(tmp)
        expected = "core/model/sequence_model.h: includes core/train/trainer.h, but model does not depend on train"
        if not any(v.startswith(expected) for v in planted):
            print("the planted include was not caught; got:\n" + "\n".join(planted))
            return 1
        print(f"caught the planted include: {planted[0]}")
        # A planted dependency cycle is caught too.
        cmake = os.path.join(tmp, "core", "CMakeLists.txt")
        text = open(cmake).read().replace("calmspace_stage(config DIR core/config DEPENDS base",
                                          "calmspace_stage(config DIR core/config DEPENDS base train")
        open(cmake, "w").write(text)
        if not any(v.startswith("dependency cycle") for v in violations(tmp)):
            print("a planted dependency cycle was not caught")
            return 1
        print("caught a planted dependency cycle")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        sys.exit(self_test())
    found = violations(args.root)
    for v in found:
        print(v)
    stages = declared(args.root)
    print(f"layering: {len(stages)} stages, " + (f"{len(found)} violation(s)" if found else "clean"))
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
