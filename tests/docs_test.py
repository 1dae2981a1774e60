#!/usr/bin/env python3
"""Every promise in docs/ names the test that proves it, and every test named
exists.

    docs_test.py SOURCE_DIR

Names are Catch2 test cases in double quotes, or ctest names in backquotes
after "ctest". They are read from:
  - tables whose last column is "proved by ...": every row must name a test;
  - "Proved by:" paragraphs (to the next blank line), anywhere in docs/;
  - prose references: test "NAME" or tests "NAME", "NAME", ...
Every docs/*.md must name at least one test, and each "## " section of
docs/anonymity.md (the privacy promise) must have a "Proved by" paragraph.
Prints each problem with its file and line; exits 1 if there is any.
"""
import glob
import os
import re
import sys

root = sys.argv[1]
sources = ""
for path in sorted(glob.glob(os.path.join(root, "tests", "*.cpp"))):
    with open(path, errors="replace") as f:
        text = f.read()
    # A test commented out or compiled out does not count.
    text = re.sub(r"^\s*#if 0\b.*?^\s*#endif\b", "", text, flags=re.S | re.M)
    sources += "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("//"))
# Adjacent string literals join, as the compiler joins them.
sources = re.sub(r'"\s*\n\s*"', "", sources)
sources = re.sub(r'"\s+"', "", sources)
catch_names = set(re.findall(r'TEST_CASE\(\s*"((?:[^"\\]|\\.)*)"', sources))
with open(os.path.join(root, "tests", "CMakeLists.txt")) as f:
    cmake = f.read()
ctest_names = set(re.findall(r"add_test\(NAME ([A-Za-z0-9_${}]+)", cmake))
# foreach-generated names: two_collectors_one_${store}_store... -> a prefix pattern
ctest_patterns = [re.compile("^" + re.escape(n).replace(r"\$\{store\}", "[a-z]+") + "$")
                  for n in ctest_names]

QUOTED = re.compile(r'["“]([^"”]+)["”]')
CTEST = re.compile(r"ctest `([A-Za-z0-9_]+)`")
# A test program or harness by its path (a fuzz harness, the privacy audit,
# a shell test), not any file under tests/.
TEST_FILE = re.compile(r"`(tests/(?:fuzz/fuzz_[a-z_]+\.cpp|[a-z_]+\.(?:py|sh)))`")
PROSE = re.compile(r'\btests? ((?:["“][^"”]+["”](?:,? (?:and )?)?)+)', re.I)

problems = []
named_per_doc = {}


def paragraphs(lines):
    """(first line number, text with white space collapsed) of each prose
    paragraph: tables and fenced code blocks left out."""
    found, current, start, fenced = [], [], 0, False
    for number, line in enumerate(lines + [""], 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced or line.startswith("|"):
            continue
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            found.append((start, " ".join(current)))
            current = []
    return found


def check_name(doc, line, name):
    named_per_doc[doc] = named_per_doc.get(doc, 0) + 1
    if name not in catch_names:
        problems.append(f"{doc}:{line}: names a test that does not exist: \"{name}\"")


def check_ctest(doc, line, name):
    named_per_doc[doc] = named_per_doc.get(doc, 0) + 1
    if name is not None and not any(p.match(name) for p in ctest_patterns):
        problems.append(f"{doc}:{line}: names a ctest that does not exist: {name}")


def names_in(text):
    """The Catch names and ctest names in `text`; a test file named by its
    path counts as a ctest name if the file exists."""
    ctests = CTEST.findall(text)
    for path in TEST_FILE.findall(text):
        if os.path.exists(os.path.join(root, path)):
            ctests.append(None)
    return QUOTED.findall(text), ctests


for path in sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
    doc = os.path.relpath(path, root)
    named_per_doc[doc] = 0
    with open(path) as f:
        lines = f.read().split("\n")
    in_proved_table = False
    proved_from = None
    section = None
    sections_proved = {}
    for number, line in enumerate(lines, 1):
        line = line.rstrip()
        if line.startswith("## "):
            section = line[3:].strip()
            sections_proved.setdefault(section, False)
        # Tables: a header row whose last cell says "proved by".
        if line.startswith("|") and line.endswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if re.fullmatch(r"[- |]+", line):
                continue
            if cells and cells[-1].lower().startswith("proved by"):
                in_proved_table = True
                continue
            if in_proved_table:
                quoted, ctests = names_in(cells[-1])
                if not quoted and not ctests:
                    problems.append(f"{doc}:{number}: this promise names no test: "
                                    f"{cells[0][:70]}...")
                for n in quoted:
                    check_name(doc, number, n)
                for n in ctests:
                    check_ctest(doc, number, n)
                if quoted or ctests:
                    sections_proved[section] = True
            continue
        in_proved_table = False
        # "Proved by" paragraphs run to the next blank line.
        if "Proved by" in line and proved_from is None:
            proved_from = number
            text = line[line.index("Proved by"):]
        elif proved_from is not None and line.strip():
            text += " " + line.strip()
        if proved_from is not None and (not line.strip() or number == len(lines)):
            quoted, ctests = names_in(text)
            if not quoted and not ctests:
                problems.append(f"{doc}:{proved_from}: a \"Proved by\" that names no test")
            for n in quoted:
                check_name(doc, proved_from, n)
            for n in ctests:
                check_ctest(doc, proved_from, n)
            sections_proved[section] = True
            proved_from = None
            continue
    # Prose references, by paragraph (a name may run over a line break),
    # outside tables, code blocks and "Proved by" paragraphs.
    text, fenced = "\n".join(lines), False
    for start, paragraph in paragraphs(lines):
        if "Proved by" in paragraph:
            continue
        for group in PROSE.findall(paragraph):
            for n in QUOTED.findall(group):
                check_name(doc, start, n)
    if named_per_doc[doc] == 0:
        problems.append(f"{doc}: names no test at all; say which test proves each promise")
    if doc.endswith("anonymity.md"):
        for name, proved in sections_proved.items():
            if not proved and name[:1].isdigit():
                problems.append(f"{doc}: section \"{name}\" has no \"Proved by\"")

for p in problems:
    print("docs:", p)
total = sum(named_per_doc.values())
print(f"docs: {total} named tests in {len(named_per_doc)} documents, {len(problems)} problems")
sys.exit(1 if problems else 0)
