#!/usr/bin/env bash
# `make test`'s last part: runs COMMAND (the unit and end-to-end tests) while `make dist` builds
# the release files beside it, then installs them on a simulated user's machine
# (Tests/install/user-machine.sh: the .deb, install.sh and the bare archive, each in a fresh
# container without Swift).
#
#   bash Tests/install/with-dist.sh COMMAND…
#
# The release build is CPU-bound and the end-to-end tests mostly wait on containers, so the two
# overlap: the build runs under `nice -n 19` and takes what the tests leave. Its output goes to
# dist/make-dist.log, printed only when it fails. DEVENV_SKIP_DIST=1 runs COMMAND alone (a
# quicker local loop; CI never sets it). Exit status: COMMAND's when it failed, else the dist
# build's, else user-machine.sh's.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
[ $# -gt 0 ] || { echo "usage: bash Tests/install/with-dist.sh COMMAND…" >&2; exit 2; }

say() { printf 'with-dist: %s\n' "$*"; }
if [ "${DEVENV_SKIP_DIST:-}" = 1 ]; then
    say "DEVENV_SKIP_DIST=1: no release build, no install test"
    exec "$@"
fi

mkdir -p dist
log=dist/make-dist.log
say "building the release files in the background (make dist; log: $log)"
NICE='nice -n 19' make --no-print-directory dist >"$log" 2>&1 &
dist_pid=$!
# The build goes when this script goes (an interrupted make test leaves no release build running).
trap 'kill -TERM "$dist_pid" 2>/dev/null; wait "$dist_pid" 2>/dev/null' INT TERM

"$@"
tests=$?

say "waiting for the release build"
wait "$dist_pid"
dist_status=$?
trap - INT TERM
if [ "$dist_status" -ne 0 ]; then
    cat "$log" >&2
    say "make dist failed (exit $dist_status)"
fi
[ "$tests" -eq 0 ] || { say "the tests failed (exit $tests)"; exit "$tests"; }
[ "$dist_status" -eq 0 ] || exit "$dist_status"
grep -E '^(dist:|  )' "$log"

say "installing on a simulated user's machine (Tests/install/user-machine.sh)"
bash Tests/install/user-machine.sh dist
