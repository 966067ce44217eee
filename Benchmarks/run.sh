#!/usr/bin/env bash
# make bench → Benchmarks/run.sh DEVENV_BINARY [CASE…]
# Checks the tools the benchmarks need, then runs the driver (Benchmarks/devbench/).
# Cases: cli-start cli-start-base cold-up cold-up-floor warm-up status ports seed branch-1g branch-1g-xfs branch-5g branch-5g-xfs
# mirror mirror-check pull upgrade (default: all); `branch` stands for the four branch cases, `branch-xfs` for the two on the
# test bed's XFS engine (DOCKER_HOST from /var/lib/devenv-testbed/shapes/xfs.env; `make testbed` starts it).
# cli-start-base times an earlier devenv binary, BENCH_BASE_DEVENV, against this one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
devenv="${1:?usage: Benchmarks/run.sh DEVENV_BINARY [CASE…]}"
shift

need_apt() {   # need_apt COMMAND PACKAGE: install from Debian's packages when missing (as root)
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing $2…"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null \
            || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null; }
    fi
    command -v "$1" >/dev/null 2>&1 || { echo "bench: '$1' is missing (Debian package $2); run \`make testbed\` or install it" >&2; exit 1; }
}
need_apt hyperfine hyperfine
need_apt ss iproute2
need_apt git git
need_apt python3 python3
docker info >/dev/null 2>&1 || { echo "bench: the Docker engine does not answer; run \`make testbed\`" >&2; exit 1; }
docker compose version >/dev/null 2>&1 || { echo "bench: docker compose v2 is missing; run \`make testbed\`" >&2; exit 1; }
[ -x "$devenv" ] || { echo "bench: $devenv is not an executable" >&2; exit 1; }
devenv="$(cd "$(dirname "$devenv")" && pwd)/$(basename "$devenv")"

cd "$here"
exec env PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" python3 -m devbench "$devenv" "$@"
