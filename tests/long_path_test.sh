#!/usr/bin/env bash
# The tests that make Unix sockets, temporary servers and databases pass from a
# checkout whose path is long (CI clones into a folder whose length nobody
# controls). A Unix socket's path must fit in 108 bytes: every socket a test or
# script makes lives in a short directory of its own under /tmp, and a path that
# would not fit is refused, never truncated (tests/support/notify_socket.hpp).
#
# Run by ctest: long_path_test.sh BUILD_DIR TEST_BINARY...
# It gives the binaries a scratch area whose path is over 150 characters
# (CAREKIOSK_TEST_SCRATCH, which testing::TempDir honours) and starts a
# PostgreSQL server in a directory with a long path (scripts/postgres).
set -euo pipefail
build=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$build/test-scratch"
base=$(mktemp -d "$build/test-scratch/long.XXXXXX")
pg_dir=$(mktemp -d /tmp/carekiosk-long-pg.XXXXXX)
chmod 755 "$pg_dir"   # PostgreSQL runs as its own user when the tests run as root
cleanup() {
  "$root/scripts/postgres" stop "$pg_dir/$(printf 'p%.0s' $(seq 1 120))" >/dev/null 2>&1 || true
  rm -rf "$base" "$pg_dir"
}
trap cleanup EXIT

long="$base/$(printf 'x%.0s' $(seq 1 150))"
mkdir -p "$long"
echo "scratch area: ${#long} characters"
[ ${#long} -ge 150 ] || { echo "the scratch path is too short to prove anything" >&2; exit 1; }

for binary in "$@"; do
  echo "== $(basename "$binary")"
  CAREKIOSK_TEST_SCRATCH="$long" "$binary" --reporter compact -w NoTests "~[postgres]"
done

# PostgreSQL in a directory whose path would not fit a socket in sun_path.
pg="$pg_dir/$(printf 'p%.0s' $(seq 1 120))"
url=$("$root/scripts/postgres" start "$pg")
echo "PostgreSQL in a ${#pg}-character directory: $url"
"$root/scripts/postgres" stop "$pg"
echo "ok"
