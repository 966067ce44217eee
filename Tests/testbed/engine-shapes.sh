#!/usr/bin/env bash
# Engine shapes users have (issue 22), each a dockerd of its own in a network namespace of its
# own (two dockerds in one namespace would fight over the same iptables chains), with its own
# data-root and a socket the host reaches:
#
#   noproxy  dockerd --userland-proxy=false in the namespace `devenv-noproxy`: no docker-proxy
#            process holds a published port, the kernel's NAT does. The namespace stands for a
#            user's whole machine, so devenv and the clients run inside it
#            (`nsenter --net=/var/run/netns/devenv-noproxy …`); its engine is
#            DOCKER_HOST=unix:///run/devenv-testbed/noproxy.sock.
#   desktop  dockerd in the namespace `devenv-desktop`, reached from the host only through
#            forwarder processes named `com.docker.backend`, one per published port, listening
#            on the host's 127.0.0.1:PORT and relaying into the namespace's 127.0.0.1:PORT, as
#            Docker Desktop's VM is reached. A watcher (shapes/backend.py watch) follows the
#            engine's events and starts and stops the forwarders. devenv runs on the host with
#            DOCKER_HOST=unix:///run/devenv-testbed/desktop.sock.
#   xfs      dockerd in the namespace `devenv-xfs` whose data-root is an XFS file system with
#            reflinks (`mkfs.xfs -m reflink=1` on a sparse loop file, $state/xfs.img, mounted on
#            $state/xfs/docker), as on Fedora/RHEL hosts and Podman machines: its volumes can
#            share extents, so a layered branch there is a reflink clone (issue 26). Like
#            noproxy, devenv and the clients run inside the namespace; its engine is
#            DOCKER_HOST=unix:///run/devenv-testbed/xfs.sock. The file system is made once and
#            kept (with the images in it) across `down`; `up` mounts it again after a reboot.
#            `engine-shapes.sh xfs` brings up this engine alone (BranchReflinkTests runs it when
#            the engine does not answer); its values are in a file of their own, xfs.env.
#
# All get the stand-in images (devenv-testbed/postgres:15, devenv-testbed/redis:7: one shared
# base layer, so the second costs next to nothing) copied from the main engine, saved once.
# Usage: engine-shapes.sh [up|xfs|down|env]; `up` is idempotent and checks each part first; `env`
# prints the files the end-to-end tests read (EngineShapesTests.swift, BranchReflinkTests.swift).
# Never touches the main dockerd except to read its images. Run by engines.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${DEVENV_TESTBED_SHAPES:-/var/lib/devenv-testbed/shapes}
run=/run/devenv-testbed
python=/usr/bin/python3
images=(devenv-testbed/postgres:15 devenv-testbed/redis:7)

say() { printf 'testbed: engine shapes: %s\n' "$*"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
wait_for() { # seconds, command…
    local n=$(( $1 * 10 )); shift
    for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    return 1
}
stop_pid() {
    alive "$1" || { rm -f "$1"; return 0; }
    local pid; pid=$(cat "$1"); kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$1"
}
engine() { local name=$1; shift; DOCKER_HOST=unix://$run/$name.sock DOCKER_CONTEXT='' docker "$@"; }

# engine_up NAME NETNS BIP POOL [dockerd flags…]: the namespace, then its dockerd.
engine_up() {
    local name=$1 ns=$2 bip=$3 pool=$4; shift 4
    if ! ip netns list | grep -qw "$ns"; then
        say "creating network namespace $ns"
        ip netns add "$ns"
    fi
    ip -n "$ns" link set lo up
    if ! alive "$run/$name.pid" || ! engine "$name" info >/dev/null 2>&1; then
        stop_pid "$run/$name.pid"
        say "starting dockerd ($name) in $ns"
        mkdir -p "$state/$name/docker" "$run/$name-exec"
        echo '{}' > "$state/$name/daemon.json"
        # nsenter, not `ip netns exec` (which remounts /sys and breaks dockerd).
        setsid nsenter --net=/var/run/netns/"$ns" dockerd --config-file "$state/$name/daemon.json" \
            --data-root "$state/$name/docker" --exec-root "$run/$name-exec" --pidfile "$run/$name.pid" \
            -H "unix://$run/$name.sock" --bip "$bip" --default-address-pool "base=$pool,size=24" "$@" \
            </dev/null >"$state/$name/dockerd.log" 2>&1 &
        wait_for 60 engine "$name" info || { echo "testbed: engine shapes: dockerd ($name) did not start; see $state/$name/dockerd.log" >&2; exit 1; }
    fi
}

# copy_images NAME…: the stand-in images into each engine that lacks them (or has older ones):
# saved once, loaded into every engine at once.
copy_images() {
    local need=() name image
    for image in "${images[@]}"; do
        docker image inspect "$image" >/dev/null 2>&1 || { echo "testbed: engine shapes: $image is missing from the main engine (testbed.sh builds it)" >&2; exit 1; }
    done
    for name in "$@"; do
        for image in "${images[@]}"; do
            if [ "$(docker image inspect -f '{{.Id}}' "$image")" != "$(engine "$name" image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)" ]; then
                need+=("$name"); break
            fi
        done
    done
    [ ${#need[@]} -gt 0 ] || return 0
    say "copying ${images[*]} into dockerd (${need[*]})"
    local tar="$state/images.tar" pids=()
    docker save -o "$tar.partial" "${images[@]}" && mv "$tar.partial" "$tar"
    for name in "${need[@]}"; do
        { engine "$name" load -q -i "$tar" >/dev/null && { engine "$name" image prune -f >/dev/null 2>&1 || true; }; } &   # prune: the copies they replace
        pids+=($!)
    done
    local failed=
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    rm -f "$tar"
    [ -z "$failed" ] || { echo "testbed: engine shapes: loading the images failed" >&2; exit 1; }
}

# xfs_mount: the XFS file system (made once) mounted where the xfs engine keeps its data.
xfs_mount() {
    local img=$state/xfs.img dir=$state/xfs/docker
    mkdir -p "$dir"
    if mountpoint -q "$dir"; then
        [ "$(stat -f -c %T "$dir")" = xfs ] && return 0
        echo "testbed: engine shapes: $dir is a mount point but not XFS; unmount it" >&2; exit 1
    fi
    stop_pid "$run/xfs.pid"   # a dockerd that ran on the folder under the mount point
    command -v mkfs.xfs >/dev/null || { say "installing xfsprogs"; apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xfsprogs >/dev/null; }
    if [ ! -f "$img.made" ] || [ ! -f "$img" ]; then
        say "making an XFS file system with reflinks on $img (sparse, 16 GB at most)"
        rm -f "$img"; truncate -s 16G "$img"
        mkfs.xfs -q -m reflink=1 "$img"
        touch "$img.made"
    fi
    say "mounting $img on $dir"
    mount -o loop,discard "$img" "$dir"   # discard: space the engine frees goes back to the host's disk
}

# xfs_up: the XFS engine (reflinks between its volumes) and its xfs.env; images copied by the caller.
xfs_up() {
    xfs_mount
    engine_up xfs devenv-xfs 10.242.0.1/24 10.243.0.0/16
    cat > "$state/xfs.env" <<EOF
XFS_DOCKER_HOST=unix://$run/xfs.sock
XFS_NETNS=/var/run/netns/devenv-xfs
EOF
}

down() {
    say "taking the engine shapes apart"
    stop_pid "$run/desktop-backend.pid"   # it stops its forwarders
    for name in desktop noproxy xfs; do
        if alive "$run/$name.pid"; then
            ids=$(engine "$name" ps -q 2>/dev/null || true)
            # shellcheck disable=SC2086 # one id a word
            [ -z "$ids" ] || engine "$name" stop $ids >/dev/null 2>&1 || true
        fi
        stop_pid "$run/$name.pid"
        rm -f "$run/$name.sock"
    done
    ip netns del devenv-desktop 2>/dev/null || true
    ip netns del devenv-noproxy 2>/dev/null || true
    ip netns del devenv-xfs 2>/dev/null || true
    ! mountpoint -q "$state/xfs/docker" || umount "$state/xfs/docker"   # the file system stays, for the next `up`
}

up() {
    [ "$(id -u)" = 0 ] || { echo "testbed: engine shapes: needs root (network namespaces, more dockerds, a loop mount)" >&2; exit 1; }
    [ -x "$python" ] || { say "installing python3"; apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 >/dev/null; }
    mkdir -p "$state" "$run" && chmod 0700 "$state"

    # 1. No userland proxy: published ports are the kernel's NAT in that namespace.
    engine_up noproxy devenv-noproxy 10.238.0.1/24 10.239.0.0/16 --userland-proxy=false

    # 2. The Desktop-like engine, and the backend that forwards its published ports to the host.
    engine_up desktop devenv-desktop 10.240.0.1/24 10.241.0.0/16

    # 3. The XFS engine (reflinks between its volumes).
    xfs_up
    copy_images noproxy desktop xfs
    install -m 0755 "$here/shapes/backend.py" "$state/backend.py.new"
    local started=
    if ! cmp -s "$state/backend.py.new" "$state/backend.py" || ! alive "$run/desktop-backend.pid"; then
        stop_pid "$run/desktop-backend.pid"
        mv "$state/backend.py.new" "$state/backend.py"
        say "starting the com.docker.backend forwarders' watcher"
        setsid "$python" "$state/backend.py" watch --engine "$run/desktop.sock" --netns /var/run/netns/devenv-desktop --python "$python" \
            </dev/null >>"$state/backend.log" 2>&1 &
        echo $! > "$run/desktop-backend.pid"
        started=1
    fi
    rm -f "$state/backend.py.new"
    # It answers: a container publishing a port gets a forwarder on the host.
    if [ -n "$started" ] || [ ! -f "$state/checked" ]; then
        say "checking the forwarders with a throwaway container"
        local port cid
        port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        engine desktop rm -f -v devenv-shapes-check >/dev/null 2>&1 || true
        cid=$(engine desktop run -d --name devenv-shapes-check -p "127.0.0.1:$port:6379" devenv-testbed/redis:7 redis-server)
        local ok=
        wait_for 30 sh -c "redis-cli -h 127.0.0.1 -p $port PING | grep -q PONG" && ok=1
        engine desktop rm -f -v "$cid" >/dev/null
        [ -n "$ok" ] || { echo "testbed: engine shapes: no forwarder answered on 127.0.0.1:$port; see $state/backend.log" >&2; exit 1; }
        touch "$state/checked"
    fi

    cat > "$state/testbed.env" <<EOF
NOPROXY_DOCKER_HOST=unix://$run/noproxy.sock
NOPROXY_NETNS=/var/run/netns/devenv-noproxy
NOPROXY_DOCKERD_PID_FILE=$run/noproxy.pid
DESKTOP_DOCKER_HOST=unix://$run/desktop.sock
DESKTOP_NETNS=/var/run/netns/devenv-desktop
DESKTOP_FORWARDER=com.docker.backend
DESKTOP_BACKEND_PID_FILE=$run/desktop-backend.pid
EOF
    say "ready (no userland proxy: unix://$run/noproxy.sock, in netns devenv-noproxy; Desktop-like: unix://$run/desktop.sock, com.docker.backend forwarders; XFS with reflinks: unix://$run/xfs.sock, in netns devenv-xfs)"
}

case "${1:-up}" in
    up) up ;;
    xfs)
        [ "$(id -u)" = 0 ] || { echo "testbed: engine shapes: needs root (a network namespace, a dockerd, a loop mount)" >&2; exit 1; }
        mkdir -p "$state" "$run" && chmod 0700 "$state"
        xfs_up; copy_images xfs ;;
    down) down ;;
    env) cat "$state/testbed.env"; cat "$state/xfs.env" 2>/dev/null || true ;;
    *) echo "usage: engine-shapes.sh [up|xfs|down|env]" >&2; exit 2 ;;
esac
