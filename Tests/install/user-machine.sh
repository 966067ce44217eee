#!/usr/bin/env bash
# A user's machine, simulated: install devenv from dist/ the three ways a user would, each in a
# fresh container made from plain Debian (debootstrap minbase, bookworm) with the docker CLI and
# the compose plugin but no Swift toolchain and no source tree, reaching the host's engine
# through its socket, with host networking. In each:
#   devenv --version (naming a commit); no share/devenv/templates installed (the kinds are
#   compiled in); devenv init --services postgres@15,redis@7; devenv up;
#   psql "$DATABASE_URL" -c 'select 1' (through devenv run); a folder kind beside devenv.yml
#   (.devenv/templates/services/cache, a copy of the repository's redis kind, mounted at
#   /testbed/kinds/redis: the machine has no source tree) is picked up by up and status;
#   devenv down --volumes --yes.
#
#   bash Tests/install/user-machine.sh [DIST]        DIST defaults to dist/ (make dist)
#   USER_MACHINE_SCENARIOS="deb archive"             runs some scenarios: deb, install-sh, archive
#
# The image (devenv-testbed/user-machine:bookworm) is built once and kept; it is rebuilt when
# this script, the docker CLI or the compose plugin changes. Needs root and a running engine
# (make testbed). Exit status: 0 when every step of every scenario passed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
dist=$(cd "${1:-$repo/dist}" && pwd)
cache=${DEVENV_TESTBED_CACHE:-/var/cache/devenv-testbed}
config_home=${DEVENV_CONFIG_HOME:-${XDG_CONFIG_HOME:-$HOME/.config}/devenv}
image=devenv-testbed/user-machine:bookworm
scenarios=${USER_MACHINE_SCENARIOS:-deb install-sh archive}

say() { printf 'user-machine: %s\n' "$*"; }
die() { printf 'user-machine: error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, docker import)"
docker info >/dev/null 2>&1 || die "no Docker engine answers (make testbed)"
ls "$dist"/devenv-*-linux-x86_64.tar.gz >/dev/null 2>&1 || die "no release archive in $dist (make dist)"

docker_cli=$(command -v docker)
compose=$(docker info --format '{{range .ClientInfo.Plugins}}{{if eq .Name "compose"}}{{.Path}}{{end}}{{end}}' 2>/dev/null || true)
[ -n "$compose" ] || compose=$HOME/.docker/cli-plugins/docker-compose
compose=$(readlink -f "$compose")
[ -x "$compose" ] || die "no docker compose plugin found"
stamp=$( { cat "$0"; sha256sum "$docker_cli" "$compose"; } | sha256sum | cut -c1-12)

# 1. The image: plain Debian, the docker CLI and compose, psql, one ordinary user.
if [ "$(docker image inspect -f '{{ index .Config.Labels "dev.devenv.user-machine" }}' "$image" 2>/dev/null)" != "$stamp" ]; then
    rootfs=$cache/user-rootfs
    if [ ! -x "$rootfs/usr/bin/psql" ]; then
        command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
        say "debootstrap --variant=minbase bookworm (+ postgresql-client, ca-certificates), about a minute"
        rm -rf "$rootfs.partial"; mkdir -p "$cache"
        debootstrap --variant=minbase --include=postgresql-client,ca-certificates bookworm "$rootfs.partial" \
            >"$cache/user-debootstrap.log" 2>&1 || die "debootstrap failed; see $cache/user-debootstrap.log"
        rm -rf "$rootfs.partial/var/cache/apt/archives/"*.deb
        mv "$rootfs.partial" "$rootfs"
    fi
    say "importing $image"
    work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
    {
        echo 'FROM scratch'
        echo 'ADD rootfs.tar /'
        echo 'COPY docker /usr/bin/docker'
        echo 'COPY docker-compose /usr/libexec/docker/cli-plugins/docker-compose'
        echo 'RUN useradd --create-home --shell /bin/bash --uid 1000 dev'
        echo 'ENV LANG=C.UTF-8'
        echo "LABEL dev.devenv.user-machine=$stamp"
    } >"$work/Dockerfile"
    tar -C "$rootfs" -cf "$work/rootfs.tar" .
    cp "$docker_cli" "$work/docker"; cp "$compose" "$work/docker-compose"
    DOCKER_BUILDKIT=0 docker build -q -t "$image" "$work" >/dev/null 2>"$work/build.log" \
        || { cat "$work/build.log" >&2; die "docker build of $image failed"; }
    rm -rf "$work"; trap - EXIT
fi

# 2. What runs inside: install one way, then use devenv as a user would.
scenario_sh=$(mktemp); trap 'rm -f "$scenario_sh"' EXIT
cat >"$scenario_sh" <<'EOS'
#!/bin/sh
# Inside the user's machine. $1: deb | install-sh | archive. Prints one "step: ok|FAILED" per step.
set -u
mode=$1
failed=0
step() {   # step NAME COMMAND...: run, show its output indented, record the result
    name=$1; shift
    if out=$("$@" 2>&1); then r=ok; else r=FAILED; failed=1; fi
    printf '%s\n' "$out" | sed 's/^/    | /' | tail -n 25
    printf 'STEP %-34s %s\n' "$name" "$r"
    [ "$r" = ok ]
}
cd "$HOME"
mkdir -p "$HOME/.config/devenv" && cp /testbed/images.yml "$HOME/.config/devenv/images.yml"
v=$(ls /dist/devenv-*-linux-x86_64.tar.gz | sed 's/.*devenv-\(.*\)-linux-x86_64.tar.gz/\1/')
case $mode in
    deb) step "dpkg -i the .deb" dpkg -i /dist/devenv_*.deb || exit 1 ;;
    install-sh)
        # Bad input first: an archive whose checksum does not match, and a platform with no archive.
        bad=$HOME/bad-dist && mkdir -p "$bad" && cp /dist/devenv-*-linux-x86_64.tar.gz* "$bad/"
        printf 'x' >>"$bad/devenv-$v-linux-x86_64.tar.gz"
        step "install.sh refuses a wrong checksum" sh -c "out=\$(sh /dist/install.sh --from '$bad' 2>&1); s=\$?; printf '%s\n' \"\$out\"; [ \$s -ne 0 ] && printf '%s' \"\$out\" | grep -qi 'sha256\|checksum' && ! test -e \"\$HOME/.local/bin/devenv\""
        step "install.sh names the archives there are" sh -c "out=\$(DEVENV_INSTALL_OS=FreeBSD sh /dist/install.sh --from /dist 2>&1); s=\$?; printf '%s\n' \"\$out\"; [ \$s -ne 0 ] && printf '%s' \"\$out\" | grep -q 'linux-x86_64' && ! test -e \"\$HOME/.local/bin/devenv\""
        step "sh install.sh --from /dist (uid $(id -u))" sh /dist/install.sh --from /dist || exit 1
        PATH=$HOME/.local/bin:$PATH ;;
    archive)
        mkdir -p "$HOME/tools"
        step "tar -xzf into ~/tools" tar -xzf "/dist/devenv-$v-linux-x86_64.tar.gz" -C "$HOME/tools" || exit 1
        mkdir -p "$HOME/bin"
        ln -s "$HOME/tools/devenv-$v-linux-x86_64/bin/devenv" "$HOME/bin/devenv"
        PATH=$HOME/bin:$PATH ;;
esac
export PATH
step "devenv --version (from PATH)" devenv --version || exit 1
step "devenv --version names a commit" sh -c 'devenv --version | grep -Eq "\(commit [0-9a-f]{12}\)"'
step "which devenv" command -v devenv
# devenv mcp links the MCP SDK, whose HTTP side needs libcurl: the static binary carries stubs instead (packaging/curl-stubs.c).
step "devenv mcp answers initialize (no libcurl here)" sh -c 'printf "%s\n" "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}" | devenv mcp 2>/dev/null | grep -q "\"serverInfo\""'

prefix=$(dirname "$(dirname "$(readlink -f "$(command -v devenv)")")")
step "no templates folder installed" sh -c "! test -e '$prefix/share/devenv/templates'"
mkdir -p "$HOME/shop-$mode" && cd "$HOME/shop-$mode"    # stack shop-MODE
step "devenv init --services postgres@15,redis@7" devenv init --services postgres@15,redis@7 || { echo "FAILED=$failed"; exit 1; }
# A folder kind beside devenv.yml: a copy of the redis kind, named cache.
mkdir -p .devenv/templates/services
cp -R /testbed/kinds/redis .devenv/templates/services/cache
printf '  cache: { version: "7" }\n' >>devenv.yml
step "devenv up" devenv up
step "psql \$DATABASE_URL -c 'select 1'" devenv run -- sh -c 'psql "$DATABASE_URL" -tAc "select 1"'
step "folder kind 'cache' in status" sh -c 'devenv status --json | grep -q "\"kind\" *: *\"cache\""'
step "devenv down --volumes --yes" devenv down --volumes --yes
echo "FAILED=$failed"
exit $failed
EOS
chmod 0755 "$scenario_sh"

# 3. Each scenario on a fresh container.
sock_gid=$(stat -c %g /var/run/docker.sock)
declare -A result
for s in $scenarios; do
    case $s in
        deb|archive) user=(--user 0:0 -e HOME=/root) ;;
        install-sh) user=(--user 1000:1000 --group-add "$sock_gid" -e HOME=/home/dev) ;;
        *) die "unknown scenario $s (deb, install-sh, archive)" ;;
    esac
    say "scenario $s: fresh container from $image"
    name=devenv-user-machine-$s-$$
    set +e
    docker run --rm --name "$name" --network host \
        -v /var/run/docker.sock:/var/run/docker.sock \
        -v "$dist:/dist:ro" -v "$scenario_sh:/testbed/scenario.sh:ro" \
        -v "$config_home/images.yml:/testbed/images.yml:ro" -v "$repo/templates/services/redis:/testbed/kinds/redis:ro" \
        "${user[@]}" "$image" sh /testbed/scenario.sh "$s" 2>&1 | tee "/tmp/user-machine-$s.log"
    rc=${PIPESTATUS[0]}
    set -e
    result[$s]=$rc
    # Whatever the scenario left on the host's engine.
    docker ps -aq --filter "label=dev.devenv.stack=shop-$s" | xargs -r docker rm -f >/dev/null
    docker volume ls -q --filter "label=dev.devenv.stack=shop-$s" | xargs -r docker volume rm >/dev/null
done

say "summary"
fail=0
for s in $scenarios; do
    printf '  %-12s %s\n' "$s" "$( [ "${result[$s]}" = 0 ] && echo passed || echo "FAILED (log: /tmp/user-machine-$s.log)")"
    [ "${result[$s]}" = 0 ] || fail=1
done
exit $fail
