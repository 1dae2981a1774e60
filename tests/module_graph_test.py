#!/usr/bin/env python3
"""The module graph holds: every carekiosk target links, and every one of its
source files and headers includes, only the carekiosk modules that
CAREKIOSK_MODULE_GRAPH in CMakeLists.txt allows it; and each confined
third-party header (CAREKIOSK_CONFINED_INCLUDES) is included only in its place.

    module_graph_test.py BUILD_DIR SOURCE_DIR

Reads BUILD_DIR/module-graph.txt and confined-includes.txt (written by
CMake at configure time). Prints every violation, naming the file, what it
reaches and what its module may use; exits 1 if there is any.
"""
import os
import re
import sys

build, source = sys.argv[1], os.path.abspath(sys.argv[2])
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)

modules = {}  # name -> dict(allowed, links, dir, sources)
with open(os.path.join(build, "module-graph.txt")) as f:
    for line in f:
        line = line.rstrip("\n")
        if not line:
            continue
        name, allowed, links, directory, sources = line.split("|")
        modules[name] = {
            "allowed": {a for a in allowed.split(",") if a} | {name},
            "links": [l for l in links.split(",") if l],
            "dir": directory,
            "sources": [os.path.normpath(os.path.join(directory, s)) for s in sources.split(",") if s],
        }

# Which module owns a file: the one whose sources list it. A public header
# carekiosk/<dir>/<name>.hpp belongs to the module that compiles
# <dir>/src/<name>.cpp, else to the first module of that directory.
owner = {}
for name, m in modules.items():
    for s in m["sources"]:
        owner.setdefault(s, name)
first_of_dir = {}
for name, m in modules.items():
    first_of_dir.setdefault(os.path.relpath(m["dir"], source), name)


def header_owner(include):
    include = os.path.normpath(include)
    if "/include/carekiosk/" in "/" + include:  # "../include/carekiosk/x/y.hpp"
        include = "carekiosk/" + include.split("/include/carekiosk/", 1)[1]
    parts = include.split("/")
    if len(parts) != 3 or parts[0] != "carekiosk":
        return None
    directory, stem = parts[1], os.path.splitext(parts[2])[0]
    cpp = os.path.normpath(os.path.join(source, directory, "src", stem + ".cpp"))
    if cpp in owner:
        return owner[cpp]
    return first_of_dir.get(directory)


problems = []
libraries = set(modules)
for name, m in modules.items():
    for link in m["links"]:
        if link in libraries and link not in m["allowed"]:
            problems.append(f"{name} links {link}, which it may not use; it may use: "
                            f"{', '.join(sorted(m['allowed'] - {name})) or 'no carekiosk module'}")

# Every file each module compiles, and the public headers it owns.
files = {}
for name, m in modules.items():
    for s in m["sources"]:
        files.setdefault(s, name)
for directory in sorted({os.path.relpath(m["dir"], source) for m in modules.values()}):
    inc = os.path.join(source, directory, "include", "carekiosk", directory)
    for base, _, names in os.walk(inc):
        for h in sorted(names):
            path = os.path.join(base, h)
            rel = os.path.relpath(path, os.path.join(source, directory, "include"))
            # A header in a subfolder belongs to its directory's first module.
            o = header_owner(rel) or first_of_dir.get(directory)
            if o:
                files.setdefault(path, o)
# A private header (src/*.hpp) is held to what every module that includes
# it may use (the intersection of their lists).
private = {}
for directory in sorted({os.path.relpath(m["dir"], source) for m in modules.values()}):
    src = os.path.join(source, directory, "src")
    if not os.path.isdir(src):
        continue
    for base, _, names in os.walk(src):
        for h in sorted(names):
            if h.endswith((".hpp", ".h")):
                private[os.path.join(base, h)] = set()
for path, name in list(files.items()):
    with open(path, errors="replace") as f:
        for include in INCLUDE.findall(f.read()):
            candidate = os.path.normpath(os.path.join(os.path.dirname(path), include))
            if candidate in private:
                private[candidate].add(name)
for path, includers in private.items():
    if includers:
        allowed = set.intersection(*(modules[i]["allowed"] for i in includers))
        name = "+".join(sorted(includers))
        modules.setdefault(name, {"allowed": allowed, "links": [], "dir": "", "sources": []})
        files[path] = name

checked = 0
for path, name in sorted(files.items()):
    with open(path, errors="replace") as f:
        text = f.read()
    checked += 1
    for include in INCLUDE.findall(text):
        o = header_owner(include)
        if o and o not in modules[name]["allowed"]:
            problems.append(f"{os.path.relpath(path, source)} ({name}) includes {include}, "
                            f"which is {o}'s; {name} may use: "
                            f"{', '.join(sorted(modules[name]['allowed'] - {name})) or 'no carekiosk module'}")

with open(os.path.join(build, "confined-includes.txt")) as f:
    confined = [line.strip().split(":", 1) for line in f if line.strip()]
owner_of_file = dict(files)


def allowed_place(rel, path, places):
    for place in places.split(","):
        if place in modules:
            if owner_of_file.get(path) == place:
                return True
        elif rel == place or (place.endswith("/") and rel.startswith(place)):
            return True
    return False


for root_dir, _, names in os.walk(source):
    rel_root = os.path.relpath(root_dir, source)
    if rel_root.startswith(("build", ".git")) or "/build" in rel_root:
        continue
    for n in names:
        if not n.endswith((".cpp", ".hpp", ".h")):
            continue
        path = os.path.join(root_dir, n)
        rel = os.path.relpath(path, source)
        if rel.startswith(("tests/", "bench/")):
            continue  # tests and benchmarks may reach anything to check it
        with open(path, errors="replace") as f:
            includes = [os.path.normpath(i) for i in INCLUDE.findall(f.read())]
        for header, places in confined:
            # <postgresql/libpq-fe.h> is libpq-fe.h too; <imgui/imgui.h> is imgui.h.
            if any(i == header or i.endswith("/" + header) for i in includes) and not allowed_place(
                    rel, path, places):
                problems.append(f"{rel} includes {header}, which only {places} may include")
        # An include the checker cannot read (a macro) could reach anywhere.
        with open(path, errors="replace") as f:
            for line in f:
                if re.match(r"\s*#\s*include\s+[A-Za-z_]", line):
                    problems.append(f"{rel}: an include by macro cannot be checked: {line.strip()}")

if checked < 50:
    problems.append(f"only {checked} files were checked; is module-graph.txt complete?")
for p in problems:
    print("module_graph:", p)
print(f"module_graph: {len(modules)} modules, {checked} files checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
