#!/usr/bin/env bash
# The product never starts another program: no shell, no exec, no fork. A
# kiosk that runs commands could be made to run the wrong one, and a collector
# must not hand request data to a shell. Test code and scripts may; the modules
# may not. Usage: tests/no_shell_outs.sh SOURCE_DIR
set -euo pipefail
root=${1:?usage: no_shell_outs.sh SOURCE_DIR}
pattern='\b(system|popen|execl|execlp|execle|execv|execve|execvp|execvpe|fork|vfork|posix_spawnp?)[[:space:]]*\('
hits=$(cd "$root" && grep -rnE "$pattern" --include='*.cpp' --include='*.hpp' \
  core storage upload ui kiosk provisioning collector || true)
if [ -n "$hits" ]; then
  echo "no_shell_outs: these lines start other programs; the modules must not:" >&2
  echo "$hits" >&2
  exit 1
fi
count=$(cd "$root" && find core storage upload ui kiosk provisioning collector \
  \( -name '*.cpp' -o -name '*.hpp' \) | wc -l)
if [ "$count" -lt 50 ]; then
  echo "no_shell_outs: only $count source files found under $root; wrong directory?" >&2
  exit 1
fi
echo "no_shell_outs: $count module source files, none starts a program"
