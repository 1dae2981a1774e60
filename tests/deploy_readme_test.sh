#!/usr/bin/env bash
# Runs README.md's "Deploying a kiosk" commands against a real local collector,
# as written, apart from what needs a real kiosk: `sudo` is dropped, `apt`,
# `systemd-sysusers` and `systemctl` lines are skipped (a kiosk process run
# here stands in for the service), and absolute kiosk paths go under a
# temporary root. Then it checks what a facilities person would see.
# Usage: tests/deploy_readme_test.sh BUILD_DIR SOURCE_DIR TEST_CA_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
ca_dir=$(cd "$3" && pwd)
mkdir -p "$build/test-scratch"
work=$(mktemp -d "$build/test-scratch/deploy-readme.XXXXXX")
collector_pid=
cleanup() {
  [ -n "$collector_pid" ] && kill "$collector_pid" 2>/dev/null && wait "$collector_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "deploy README test: $*" >&2; exit 1; }

export PATH="$build/kiosk:$build/collector:$build/provisioning:$PATH"
# As the C++ tests: no GL driver is loaded (and leaked behind LeakSanitizer's back).
export SDL_VIDEODRIVER=offscreen SDL_RENDER_DRIVER=software SDL_FRAMEBUFFER_ACCELERATION=0 SDL_AUDIODRIVER=dummy
export DB="$work/collector.db" ROOT="$work/root"
mkdir -p "$ROOT"
cp "$ca_dir/ca.pem" "$work/ca.pem"
cd "$work"

# The collector, as an admin would run it.
coproc COLLECTOR_PROC { exec carekiosk-collector serve --db "$DB" --listen 127.0.0.1:0 \
  --cert "$ca_dir/server.pem" --key "$ca_dir/server.key" 2>&1; }
collector_pid=$COLLECTOR_PROC_PID
read -r -t 30 line <&"${COLLECTOR_PROC[0]}" || fail "the collector did not start"
[[ "$line" =~ (https://127\.0\.0\.1:[0-9]+) ]] || fail "unexpected collector output: $line"
export COLLECTOR=${BASH_REMATCH[1]}

# The README's block NAME, rewritten for this machine.
block() {
  awk -v tag="<!-- deploy-test:$1 -->" '
    $0 == tag { found = 1; next }
    found && /^```sh/ { inside = 1; next }
    inside && /^```/ { exit }
    inside { print }' "$src/README.md" |
  sed -E \
    -e 's/^sudo //' -e 's/ && sudo / \&\& /g' \
    -e 's/^(apt|systemd-sysusers|systemctl) .*/echo "skipped here (needs a real kiosk): &"/' \
    -e "s#/usr/share/carekiosk/examples#$src/provisioning#g" \
    -e "s#/etc/carekiosk#$ROOT/etc/carekiosk#g" \
    -e "s#/var/lib/carekiosk#$ROOT/var/lib/carekiosk#g" \
    -e "s#^carekiosk-provision install\$#carekiosk-provision install --root \"$ROOT\"#" \
    -e 's#^(carekiosk-provision check .*)$#\1 > check.txt || true#' \
    -e 's#^(curl .*)$#\1 > fleet.json#'
}
for name in collector kiosk fleet unenroll; do
  [ -n "$(block "$name")" ] || fail "README has no deploy-test:$name block"
done

echo "--- collector and kiosk steps, as run:"
{ block collector; block kiosk; } | tee steps.sh
source steps.sh

cat check.txt
for item in "config file" "config permissions" "clock" "collector and TLS" "disk space"; do
  grep -Eq "^ok +$item " check.txt || fail "check did not pass \"$item\""
done
config="$ROOT/etc/carekiosk/kiosk.json"
[ "$(stat -c %a "$config")" = 600 ] || fail "the config is not 0600"
grep -q '"site_config_version": 1' "$config" || fail "enrolment did not bring the site config"

# The kiosk runs (standing in for `systemctl enable --now carekiosk`): three
# check-ins by simulated taps, then one upload cycle with its heartbeat.
carekiosk --config "$config" --windowed 800x480 --demo --simulate-checkins 3 > kiosk.log 2>&1 ||
  { cat kiosk.log; fail "the kiosk did not run"; }

echo "--- fleet step, as run:"
block fleet | tee fleet.sh
source fleet.sh
cat fleet.json; echo
device=$(sed -nE 's/.*"device_id": "([^"]+)".*/\1/p' "$config")
grep -q "\"device_id\":\"$device\"" fleet.json || fail "the fleet view lacks $device"
grep -q '"flags":\[\]' fleet.json || fail "a fresh kiosk is flagged"
grep -q '"config_version":1' fleet.json || fail "the heartbeat lacks the site config version"

echo "--- unenroll step, as run:"
block unenroll | tee unenroll.sh
source unenroll.sh
grep -q '"device_token": ""' "$config" || fail "unenroll did not wipe the token"
source fleet.sh
grep -q '"unenrolled"' fleet.json || fail "the fleet view does not show the kiosk as unenrolled"
echo "deploy README test: ok"
