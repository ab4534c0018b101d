#!/usr/bin/python3
"""The layers the build is made of, checked (ctest: layers). See docs/design.md, "Layers".

Each source folder is a layer; a layer may use its own files and those of the layers below it,
never one above it or beside it (isolation, docker and remote do not use each other). Two graphs
are checked:

- includes: every #include "..." of the layers' .c and .h files, resolved the way the build
  resolves them (the file's folder, then include/, base/, runtime/ and the source root). An
  include of a higher or sibling layer fails, as does including a .c file (here or in fuzz/).
- symbols (with --build): the layers' static libraries (libsbx_LAYER.a), read with nm. A
  reference from one object to a symbol that a higher or sibling layer's object defines fails,
  and so does any cycle among objects (a.c uses b.c and b.c uses a.c, directly or around).
  Cycles are searched among files, not only among layers: they are what makes code hard to
  take apart, whichever folder it is in.

Before checking the tree, the script checks itself on a fixture with planted violations (one
of each kind) and fails unless it finds exactly them, so that it cannot pass by finding nothing.

Usage: layers.py --source DIR [--build DIR] [--stats]
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

# Rank of each layer: a file may use the layers of a lower rank, and its own.
LAYERS = {
    "include": 0,  # sandboxrt.h, the public API: declarations only
    "base": 1,
    "policies": 2,
    "runtime": 3,
    "isolation": 4,
    "docker": 4,
    "remote": 4,
    "lib": 5,
    "evaluator": 6,
    "server": 6,
    "cli": 7,
}
SEARCH = ["include", "base", "runtime", ""]  # include_directories() in CMakeLists.txt
GENERATED = {"install_dirs.h", "zygote_py.h"}  # written into the build tree by CMake
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    top = path.split("/", 1)[0]
    return top if top in LAYERS and "/" in path else None


def allowed(user, used):
    return user == used or LAYERS[used] < LAYERS[user]


def source_files(root):
    for layer in LAYERS:
        d = os.path.join(root, layer)
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                if name.endswith((".c", ".h")):
                    yield f"{layer}/{name}"


def resolve(root, path, target):
    for base in [os.path.dirname(path)] + SEARCH:
        cand = os.path.normpath(os.path.join(base, target))
        if os.path.isfile(os.path.join(root, cand)):
            return cand
    return None


def check_includes(root, extra=()):
    """Problems of the include graph, as sorted strings."""
    problems = []
    for path in list(source_files(root)) + list(extra):
        with open(os.path.join(root, path), encoding="utf-8") as f:
            text = f.read()
        for target in INCLUDE.findall(text):
            if target.endswith(".c"):
                problems.append(f"{path}: includes a .c file ({target}): link its library")
                continue
            used = resolve(root, path, target)
            if used is None:
                if os.path.basename(target) not in GENERATED:
                    problems.append(f"{path}: cannot resolve #include \"{target}\"")
                continue
            user_layer, used_layer = layer_of(path), layer_of(used)
            if user_layer and used_layer and not allowed(user_layer, used_layer):
                problems.append(f"{path}: includes {used}, of layer {used_layer}, which layer "
                                f"{user_layer} may not use")
    return sorted(problems)


def archive_symbols(archive):
    """{member: (defined symbols, undefined symbols)} of a static library, or of a list of
    object files."""
    files = archive if isinstance(archive, list) else [archive]
    out = subprocess.run(["nm", "-A", "-g"] + files, check=True, capture_output=True,
                         text=True).stdout
    members = {}
    for line in out.splitlines():
        # "libx.a:member.o:0000000000000000 T name" or "libx.a:member.o:                 U name"
        head, _, rest = line.rpartition(":")
        member = os.path.basename(head.split(":")[-1])
        fields = rest.split()
        if len(fields) < 2:
            continue
        kind, name = fields[-2], fields[-1]
        d, u = members.setdefault(member, (set(), set()))
        (u if kind in ("U", "w", "v") else d).add(name)
    return members


def check_symbols(archives):
    """Problems of the symbol graph among the objects of {layer: archive}, sorted."""
    objects, definers = {}, {}
    for layer, archive in archives.items():
        for member, (defined, undefined) in archive_symbols(archive).items():
            src = layer + "/" + re.sub(r"\.o$", "", member)
            objects[src] = (layer, undefined)
            for name in defined:
                definers.setdefault(name, []).append(src)
    problems, edges = [], {src: set() for src in objects}
    for src, (layer, undefined) in objects.items():
        for name in sorted(undefined):
            others = [o for o in definers.get(name, []) if o != src]
            # A symbol defined twice is an entry each program picks one of (sbx_runtime_new:
            # lib/builtin.c or the light binary's): it is fine when one of them may be used.
            fine = [o for o in others if allowed(layer, objects[o][0])]
            edges[src].update(fine)
            if others and not fine:
                other = others[0]
                edges[src].add(other)
                problems.append(f"{src}: uses {name} of {other}, of layer "
                                f"{objects[other][0]}, which layer {layer} may not use")
    for cycle in cycles(edges):
        problems.append("cycle among files: " + " <-> ".join(cycle) +
                        " (move what they share into a file both use)")
    return sorted(problems)


def cycles(edges):
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


FIXTURE = {
    "include/api.h": "int api(void);\n",
    "base/ok.c": '#include "api.h"\n#include "util.h"\nint ok(void) { return 0; }\n',
    "base/util.h": "int ok(void);\n",
    # planted: base includes a header of runtime, and calls into it
    "base/up.c": '#include "runtime/run.h"\nint up(void) { return run(); }\n',
    "runtime/run.h": "int run(void);\n",
    "runtime/run.c": '#include "util.h"\nint run(void) { return ok(); }\n',
    # planted: a .c file included, and a header of a sibling backend
    "docker/d.c": '#include "isolation/n.h"\n#include "docker/e.c"\nint d(void) { return 0; }\n',
    "docker/e.c": "int e(void) { return 1; }\n",
    "isolation/n.h": "int n(void);\n",
    # planted: a cycle of three files in one layer
    "server/a.c": "int b(void);\nint a(void) { return b(); }\n",
    "server/b.c": "int c(void);\nint b(void) { return c(); }\n",
    "server/c.c": "int a(void);\nint c(void) { return a(); }\n",
}
FIXTURE_EXPECTED = [
    "base/up.c: includes runtime/run.h, of layer runtime, which layer base may not use",
    "docker/d.c: includes a .c file (docker/e.c): link its library",
    "docker/d.c: includes isolation/n.h, of layer isolation, which layer docker may not use",
    "base/up.c: uses run of runtime/run.c, of layer runtime, which layer base may not use",
    "cycle among files: server/a.c <-> server/b.c <-> server/c.c (move what they share into a "
    "file both use)",
]


def self_test():
    """Check the checks on FIXTURE: they must find what is planted there, and nothing else."""
    with tempfile.TemporaryDirectory() as root:
        for path, text in FIXTURE.items():
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), "w", encoding="utf-8") as f:
                f.write(text)
        found = check_includes(root)
        archives = {}
        for layer in ("base", "runtime", "server"):
            objs = []
            for name in sorted(os.listdir(os.path.join(root, layer))):
                if name.endswith(".c"):
                    obj = os.path.join(root, layer, name + ".o")
                    subprocess.run(["cc", "-c", "-I", os.path.join(root, "include"), "-I",
                                    os.path.join(root, "base"), "-I", root, "-o", obj,
                                    os.path.join(root, layer, name)], check=True)
                    objs.append(obj)
            archives[layer] = os.path.join(root, layer, f"libsbx_{layer}.a")
            subprocess.run(["ar", "qc", archives[layer]] + objs, check=True)
        found += check_symbols(archives)
    if sorted(found) != sorted(FIXTURE_EXPECTED):
        print("layers.py: the self-test on its fixture failed; expected:", file=sys.stderr)
        print("\n".join("  " + p for p in sorted(FIXTURE_EXPECTED)), file=sys.stderr)
        print("found:", file=sys.stderr)
        print("\n".join("  " + p for p in sorted(found)), file=sys.stderr)
        return False
    return True


def stats(root):
    """Lines per layer and the layers that use it (from the include graph)."""
    lines, users = {}, {layer: set() for layer in LAYERS}
    for path in source_files(root):
        layer = layer_of(path)
        with open(os.path.join(root, path), encoding="utf-8") as f:
            text = f.read()
        lines[layer] = lines.get(layer, 0) + text.count("\n")
        for target in INCLUDE.findall(text):
            used = resolve(root, path, target)
            if used and layer_of(used) and layer_of(used) != layer:
                users[layer_of(used)].add(layer)
    for layer in sorted(LAYERS, key=lambda x: (LAYERS[x], x)):
        print(f"{layer:10} {lines.get(layer, 0):6} lines  used by: "
              f"{', '.join(sorted(users[layer], key=lambda x: (LAYERS[x], x))) or '-'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", required=True)
    ap.add_argument("--build")
    ap.add_argument("--stats", action="store_true")
    args = ap.parse_args()
    if args.stats:
        stats(args.source)
        return 0
    if not self_test():
        return 1
    fuzz = os.path.join(args.source, "fuzz")
    extra = [f"fuzz/{n}" for n in sorted(os.listdir(fuzz)) if n.endswith(".c")]
    problems = check_includes(args.source, extra)
    if args.build:
        archives = {}
        for layer in LAYERS:
            a = os.path.join(args.build, layer, f"libsbx_{layer}.a")
            if os.path.isfile(a):
                archives[layer] = a
        # The programs' own objects (main.c, the commands) belong to the cli layer too.
        programs = sorted(glob.glob(os.path.join(args.build, "cli/CMakeFiles/*.dir/*.o")))
        archives["cli"] = [archives["cli"]] + programs if "cli" in archives else programs
        if len(archives) < len(LAYERS) - 1:  # include/ has no code
            print(f"layers.py: only {sorted(archives)} built in {args.build}", file=sys.stderr)
            return 1
        problems += check_symbols(archives)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"layers.py: {len(problems)} problem(s); the layers are in docs/design.md",
              file=sys.stderr)
        return 1
    print(f"layers: {len(LAYERS)} layers, includes and symbols one-way, no cycles among files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
