#!/usr/bin/env bash
# docs/security.md maps each promise to the test that proves it. This checks
# that every test named there (a quoted Catch2 test case, or a ctest name in
# backquotes) exists, so the document cannot drift from the suite.
# Usage: tests/security_doc_test.sh SOURCE_DIR
set -euo pipefail
root=${1:?usage: security_doc_test.sh SOURCE_DIR}
doc="$root/docs/security.md"
# Every test source as one line with adjacent string literals joined, as the
# compiler joins them: "a long " "name" -> "a long name".
sources=$(cat "$root"/tests/*.cpp | tr '\n' ' ' | sed -E 's/"[[:space:]]*"//g; s/TEST_CASE\([[:space:]]*"/TEST_CASE("/g')
missing=0
named=0
# The "proved by" column: the text after the last '|' but one on table rows.
while IFS= read -r cell; do
  while IFS= read -r name; do
    [ -z "$name" ] && continue
    named=$((named + 1))
    if ! grep -qF "TEST_CASE(\"$name\"" <<<"$sources"; then
      echo "security.md names a test that does not exist: \"$name\"" >&2
      missing=$((missing + 1))
    fi
  done < <(grep -oE '"[^"]+"' <<<"$cell" | sed 's/^"//; s/"$//' | grep -vE '^(dates are validated)$' || true)
  while IFS= read -r ctestName; do
    [ -z "$ctestName" ] && continue
    named=$((named + 1))
    if ! grep -qE "NAME $ctestName\\b" "$root/tests/CMakeLists.txt"; then
      echo "security.md names a ctest that does not exist: $ctestName" >&2
      missing=$((missing + 1))
    fi
  done < <(grep -oE 'ctest `[a-z_0-9]+`' <<<"$cell" | sed 's/ctest `//; s/`$//' || true)
done < <(grep -E '^\|.*\|$' "$doc" | grep -vE '^\|[- |]+\|$' | awk -F'|' '{print $(NF-1)}')
if [ "$named" -lt 20 ]; then
  echo "security.md names only $named tests; the table format may have changed" >&2
  exit 1
fi
[ "$missing" -eq 0 ] || exit 1
echo "security.md: all $named named tests exist"
