#!/usr/bin/env bash
# The Debian package: build it with cpack, unpack it with dpkg -x into a
# temporary root, and check what a facilities person would: the declared
# dependencies, `carekiosk-provision check --root`, the unit systemd accepts,
# and the installed kiosk finding its installed translations and rendering.
# Usage: tests/package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
mkdir -p "$build/test-scratch"
work=$(mktemp -d "${build}/test-scratch/package.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() { echo "package test: $*" >&2; exit 1; }

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" > "$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log" >&2; fail "cpack -G DEB failed"; }
deb=$(ls "$work"/out/carekiosk_*.deb)
echo "built $(basename "$deb")"

depends=$(dpkg-deb -f "$deb" Depends)
for needed in cage fonts-dejavu-core systemd libsdl2 libsqlite3 libcurl4 libsodium; do
  grep -q "$needed" <<< "$depends" || fail "Depends lacks $needed: $depends"
done
contents=$(dpkg-deb -c "$deb")
grep -q ' ./etc/pam.d/carekiosk$' <<< "$contents" || fail "no PAM session in the package"
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
grep -qx /etc/pam.d/carekiosk <<< "$conffiles" || fail "/etc/pam.d/carekiosk is not a conffile"

root="$work/root"
dpkg -x "$deb" "$root"

# check --root: the software is there; the config is not yet (not enrolled).
set +e
"$root/usr/bin/carekiosk-provision" check --root "$root" > "$work/check.txt" 2>&1
status=$?
set -e
cat "$work/check.txt"
[ "$status" -ne 0 ] || fail "check passed on a kiosk that is not enrolled"
grep -Eq '^ok +kiosk software ' "$work/check.txt" || fail "check did not find the installed software"
grep -Eq '^FAILED +config file .*enroll' "$work/check.txt" || fail "check did not say to enrol"

# The unit as packaged is one systemd accepts.
/usr/bin/systemd-analyze verify "$root/usr/lib/systemd/system/carekiosk.service"

# The installed kiosk uses the installed translations and renders its welcome screen.
version=$("$root/usr/bin/carekiosk" --version)
echo "$version"
grep -q "translations in $root/usr/share/carekiosk/translations" <<< "$version" ||
  fail "the installed kiosk does not use the installed translations: $version"
cat > "$work/kiosk.json" <<JSON
{"server_url": "https://127.0.0.1:9", "ca_file": "ca.pem", "device_id": "kiosk-pkg",
 "device_token": "t", "site_id": "leeds", "site_name": "Leeds office", "database": "kiosk.db",
 "fullscreen": false}
JSON
SDL_VIDEODRIVER=offscreen SDL_RENDER_DRIVER=software SDL_FRAMEBUFFER_ACCELERATION=0 \
  "$root/usr/bin/carekiosk" --config "$work/kiosk.json" --windowed 800x480 \
  --screenshot "$work/welcome.png"
[ -s "$work/welcome.png" ] || fail "the installed kiosk wrote no screenshot"
echo "package test: ok"
