#!/usr/bin/env bash
# The engines part of the test bed (issue 13): other ways to reach a Docker engine than the
# default socket, all on this machine.
#
#   relay   a unix socket relayed to the main engine by socat, registered as the docker
#           context `devenv-relay` (the current context) in a DOCKER_CONFIG of its own. The
#           tests run devenv in a mount namespace where /var/run/docker.sock is masked.
#   remote  a second dockerd in the network namespace `devenv-remote` (veth pair, 10.231.7.0/30),
#           reached over ssh: Debian's sshd in that namespace, its own host key and authorized
#           key, `SetEnv DOCKER_HOST=unix:///var/run/docker-remote.sock`. What it publishes on
#           its 127.0.0.1 the host cannot reach, exactly like a remote host. The stand-in images
#           are copied into it. The context `devenv-remote` points at it (ssh://).
#   dead    10.231.7.2:2200 drops every packet (iptables in the namespace): a host that never
#           answers.
#   podman  Debian's podman serving its Docker-compatible API on /run/podman/podman.sock (one of
#           the well-known sockets devenv tries when nothing is configured), stand-in images
#           loaded. Its containers.conf lowers the default nofile/nproc limits: podman raises
#           them to 1048576 by default, which needs CAP_SYS_RESOURCE, and these VMs lack it.
#   shapes  engine-shapes.sh (issue 22): a dockerd with --userland-proxy=false, and a dockerd in a
#           network namespace the host reaches only through `com.docker.backend` forwarders, as
#           Docker Desktop's VM is reached. Its own testbed.env, printed by `env` too.
#
# Usage: engines.sh [up|down|env]. `up` (the default) is idempotent: each part is checked and
# only what is missing is made. `down` takes everything apart in reverse. `env` prints the
# file the end-to-end tests read (Tests/EndToEndTests/EngineTestbed.swift).
# Never touches the main dockerd at /var/run/docker.sock except to read its images.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${DEVENV_TESTBED_ENGINES:-/var/lib/devenv-testbed/engines}
ns=devenv-remote
host_if=dvr-host
ns_if=dvr-remote
host_ip=10.231.7.1
remote_ip=10.231.7.2
dead_port=2200
remote_sock=/var/run/docker-remote.sock
remote_exec=/var/run/devenv-remote-docker
remote_pid=/var/run/devenv-remote-docker.pid
sshd_pid=/var/run/devenv-remote-sshd.pid
relay_sock=/var/run/devenv-relay.sock
relay_pid=/var/run/devenv-relay.pid
podman_sock=/run/podman/podman.sock
podman_pid=/var/run/devenv-podman.pid
config="$state/docker-config"
ssh_include="$HOME/.ssh/config"

say() { printf 'testbed: engines: %s\n' "$*"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
in_ns() { nsenter --net=/var/run/netns/$ns "$@"; }
remote_docker() { DOCKER_HOST=unix://$remote_sock DOCKER_CONTEXT= docker "$@"; }
wait_for() { # seconds, command…
    local n=$(( $1 * 10 )); shift
    for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    return 1
}
stop_pid() {
    alive "$1" || { rm -f "$1"; return 0; }
    local pid; pid=$(cat "$1"); kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$1"
}

down() {
    bash "$here/engine-shapes.sh" down
    say "taking the engines test bed apart"
    if alive "$podman_pid"; then
        ids=$(podman ps -q 2>/dev/null || true)
        [ -z "$ids" ] || podman stop $ids >/dev/null 2>&1 || true
    fi
    stop_pid "$podman_pid"
    rm -f "$podman_sock"
    stop_pid "$sshd_pid"
    if alive "$remote_pid"; then
        ids=$(remote_docker ps -q 2>/dev/null || true)
        [ -z "$ids" ] || remote_docker stop $ids >/dev/null 2>&1 || true
    fi
    stop_pid "$remote_pid"
    stop_pid "$relay_pid"
    rm -f "$relay_sock" "$remote_sock"
    ip link del "$host_if" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    if [ -f "$ssh_include" ]; then
        grep -v "# devenv-testbed-engines" "$ssh_include" > "$ssh_include.tmp" || true
        mv "$ssh_include.tmp" "$ssh_include"
    fi
}

up() {
    [ "$(id -u)" = 0 ] || { echo "testbed: engines: needs root (network namespaces, a second dockerd)" >&2; exit 1; }
    local missing=()
    command -v socat >/dev/null || missing+=(socat)
    command -v ssh >/dev/null || missing+=(openssh-client)
    [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
    command -v nsenter >/dev/null || missing+=(util-linux)
    command -v podman >/dev/null || missing+=(podman)
    command -v curl >/dev/null || missing+=(curl)
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        apt-get update -qq >/dev/null
        # policy-rc.d keeps Debian's own sshd from starting on every interface.
        DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    mkdir -p "$state" && chmod 0700 "$state"

    # 1. The relay socket and its context.
    if ! alive "$relay_pid" || [ ! -S "$relay_sock" ]; then
        stop_pid "$relay_pid"; rm -f "$relay_sock"
        say "relaying $relay_sock to /var/run/docker.sock"
        setsid socat UNIX-LISTEN:$relay_sock,fork,mode=0660 UNIX-CONNECT:/var/run/docker.sock </dev/null >"$state/relay.log" 2>&1 &
        echo $! > "$relay_pid"
        wait_for 5 test -S "$relay_sock" || { echo "testbed: engines: socat did not listen; see $state/relay.log" >&2; exit 1; }
    fi

    # 2. The namespace and its link.
    if ! ip netns list | grep -qw "$ns"; then
        say "creating network namespace $ns ($remote_ip)"
        ip netns add "$ns"
    fi
    if ! ip link show "$host_if" >/dev/null 2>&1; then
        ip link add "$host_if" type veth peer name "$ns_if"
        ip link set "$ns_if" netns "$ns"
        ip addr add "$host_ip/30" dev "$host_if"
        ip link set "$host_if" up
        ip -n "$ns" addr add "$remote_ip/30" dev "$ns_if"
        ip -n "$ns" link set "$ns_if" up
    fi
    ip -n "$ns" link set lo up
    in_ns iptables -C INPUT -p tcp --dport $dead_port -j DROP 2>/dev/null || in_ns iptables -I INPUT -p tcp --dport $dead_port -j DROP

    # 3. The remote engine: nsenter, not `ip netns exec` (which remounts /sys and breaks dockerd).
    if ! alive "$remote_pid" || ! remote_docker info >/dev/null 2>&1; then
        stop_pid "$remote_pid"
        say "starting the remote dockerd in $ns"
        echo '{}' > "$state/daemon.json"
        mkdir -p "$state/docker" "$remote_exec"
        setsid nsenter --net=/var/run/netns/$ns dockerd --config-file "$state/daemon.json" \
            --data-root "$state/docker" --exec-root "$remote_exec" --pidfile "$remote_pid" \
            -H unix://$remote_sock --bip 10.232.0.1/24 --default-address-pool base=10.233.0.0/16,size=24 \
            </dev/null >"$state/dockerd.log" 2>&1 &
        wait_for 60 remote_docker info || { echo "testbed: engines: the remote dockerd did not start; see $state/dockerd.log" >&2; exit 1; }
    fi
    for image in devenv-testbed/postgres:15 devenv-testbed/redis:7; do
        local want have
        want=$(docker image inspect -f '{{.Id}}' "$image")
        have=$(remote_docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
        if [ "$want" != "$have" ]; then
            say "copying $image into the remote engine"
            docker save "$image" | remote_docker load >/dev/null
            [ -z "$have" ] || remote_docker image rm "$have" >/dev/null 2>&1 || true   # the copy it replaces
        fi
    done

    # 4. sshd in the namespace, and the client side (key, known host, ~/.ssh/config include).
    [ -f "$state/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C devenv-remote-host -f "$state/ssh_host_ed25519_key"
    [ -f "$state/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C devenv-testbed -f "$state/id_ed25519"
    cp "$state/id_ed25519.pub" "$state/authorized_keys" && chmod 0600 "$state/authorized_keys"
    echo "$remote_ip $(cut -d' ' -f1,2 "$state/ssh_host_ed25519_key.pub")" > "$state/known_hosts"
    cat > "$state/sshd_config" <<EOF
# devenv test bed: the remote engine's sshd (Tests/testbed/engines.sh)
ListenAddress $remote_ip
Port 22
HostKey $state/ssh_host_ed25519_key
PidFile $sshd_pid
AuthorizedKeysFile $state/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
MaxSessions 64
MaxStartups 64:30:128
SetEnv DOCKER_HOST=unix://$remote_sock
EOF
    cat > "$state/ssh_config" <<EOF
# devenv test bed: how this machine reaches the remote engine (Tests/testbed/engines.sh)
Host $remote_ip
    User root
    IdentityFile $state/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $state/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes
EOF
    mkdir -p "$HOME/.ssh" && chmod 0700 "$HOME/.ssh"
    if ! grep -q "# devenv-testbed-engines" "$ssh_include" 2>/dev/null; then
        say "adding the remote engine's ssh settings to $ssh_include"
        { echo "Include $state/ssh_config # devenv-testbed-engines"; cat "$ssh_include" 2>/dev/null || true; } > "$ssh_include.tmp"
        mv "$ssh_include.tmp" "$ssh_include" && chmod 0600 "$ssh_include"
    fi
    if ! alive "$sshd_pid" || ! ssh -o ConnectTimeout=3 "root@$remote_ip" true 2>/dev/null; then
        stop_pid "$sshd_pid"
        say "starting sshd on $remote_ip"
        mkdir -p /run/sshd
        /usr/sbin/sshd -t -f "$state/sshd_config"
        in_ns /usr/sbin/sshd -f "$state/sshd_config" -E "$state/sshd.log"
        wait_for 10 ssh -o ConnectTimeout=3 "root@$remote_ip" true || { echo "testbed: engines: cannot ssh to $remote_ip; see $state/sshd.log" >&2; exit 1; }
    fi

    # 5. The DOCKER_CONFIG with both contexts (written by docker itself), compose plugin linked.
    mkdir -p "$config"
    [ -e "$config/cli-plugins" ] || ln -s "$HOME/.docker/cli-plugins" "$config/cli-plugins"
    DOCKER_CONFIG=$config docker context inspect devenv-relay >/dev/null 2>&1 \
        || DOCKER_CONFIG=$config docker context create devenv-relay --docker "host=unix://$relay_sock" >/dev/null 2>&1
    DOCKER_CONFIG=$config docker context inspect devenv-remote >/dev/null 2>&1 \
        || DOCKER_CONFIG=$config docker context create devenv-remote --docker "host=ssh://root@$remote_ip" >/dev/null 2>&1
    DOCKER_CONFIG=$config docker context use devenv-relay >/dev/null 2>&1

    # 6. Podman's Docker-compatible socket.
    cat > "$state/containers.conf" <<EOF
# devenv test bed (Tests/testbed/engines.sh): no rlimit above the VM's (no CAP_SYS_RESOURCE here)
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
EOF
    if ! alive "$podman_pid" || ! curl -sf --unix-socket "$podman_sock" http://podman/_ping >/dev/null 2>&1; then
        stop_pid "$podman_pid"
        say "starting podman's Docker-compatible service on $podman_sock"
        mkdir -p "$(dirname "$podman_sock")"
        # From /: the service outlives this script, and its conmon fails every start ("Failed to
        # get working directory", seen as "write child: broken pipe") once the folder it was
        # started from is gone (a CI clone removed and made again).
        (cd / && CONTAINERS_CONF="$state/containers.conf" exec setsid podman system service --time=0 "unix://$podman_sock" \
            </dev/null >"$state/podman.log" 2>&1) &
        echo $! > "$podman_pid"
        wait_for 30 curl -sf --unix-socket "$podman_sock" http://podman/_ping || { echo "testbed: engines: podman did not serve; see $state/podman.log" >&2; exit 1; }
    fi
    for image in devenv-testbed/postgres:15 devenv-testbed/redis:7; do
        local want have
        want=$(docker image inspect -f '{{.Id}}' "$image" | sed 's/^sha256://')
        have=$(podman image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
        if [ "$want" != "$have" ]; then
            say "copying $image into podman"
            docker save "$image" | podman load -q >/dev/null
            [ -z "$have" ] || podman image rm "$have" >/dev/null 2>&1 || true
        fi
    done

    cat > "$state/testbed.env" <<EOF
DOCKER_CONFIG=$config
RELAY_CONTEXT=devenv-relay
RELAY_SOCKET=$relay_sock
REMOTE_CONTEXT=devenv-remote
REMOTE_HOST=ssh://root@$remote_ip
REMOTE_DOCKER_HOST=unix://$remote_sock
DEAD_HOST=ssh://root@$remote_ip:$dead_port
PODMAN_SOCKET=$podman_sock
EOF
    say "ready (relay context; remote engine $(remote_docker version -f '{{.Server.Version}}') at ssh://root@$remote_ip; podman $(podman --version | cut -d' ' -f3) at $podman_sock)"

    # 7. The engine shapes of issue 22.
    bash "$here/engine-shapes.sh" up
}

case "${1:-up}" in
    up) up ;;
    down) down ;;
    env) cat "$state/testbed.env"; bash "$here/engine-shapes.sh" env ;;
    *) echo "usage: engines.sh [up|down|env]" >&2; exit 2 ;;
esac
