#!/usr/bin/env bash
# Stand-in images for the service kinds whose server Debian bookworm packages: MariaDB 10.11
# (for the mariadb and mysql kinds), RabbitMQ 3.10, Memcached 1.6.18, ClickHouse 18.16 and
# Redis 7.0 (for valkey: valkey-server/valkey-cli wrappers over redis-server/redis-cli).
# Each honours its official image's environment contract (see the entrypoints in kinds/).
# One shared Debian rootfs (one debootstrap, one docker import), one image per kind on top of
# it, cached under the test bed cache; ~/.config/devenv/images.yml maps each kind's default
# image to its stand-in. Run by testbed.sh; idempotent: nothing is rebuilt when the images
# carry this script's stamp. See ../../README.md ("Tests") and ../../templates/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DEVENV_TESTBED_CACHE:-/var/cache/devenv-testbed}
config_home=${DEVENV_CONFIG_HOME:-${XDG_CONFIG_HOME:-$HOME/.config}/devenv}
stamp=$(cat "$here/kinds.sh" "$here"/kinds/* | sha256sum | cut -c1-12)
rootfs=$cache/kinds-rootfs
packages=mariadb-server,rabbitmq-server,memcached,clickhouse-server,clickhouse-client,redis-server

say() { printf 'testbed: %s\n' "$*"; }
need_root() { [ "$(id -u)" = 0 ] || { echo "testbed: $1 is missing and installing it needs root (run: sudo make testbed)" >&2; exit 1; }; }
apt_updated=
apt_install() {
    need_root "$*"
    if [ -z "$apt_updated" ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Host-side clients the end-to-end tests connect with (redis-cli comes with testbed.sh).
command -v mariadb >/dev/null || apt_install mariadb-client
command -v curl >/dev/null || apt_install curl

# The stand-in images: official name → stand-in name, its entrypoint, and its image config.
#   default image (templates/services/<kind>/service.yml)  stand-in
mappings=(
    "mysql:8.4                           devenv-testbed/mysql:mariadb-10.11"
    "mariadb:11.8                        devenv-testbed/mariadb:10.11"
    "valkey/valkey:9.0                   devenv-testbed/valkey:redis-7.0"
    "memcached:1.6                       devenv-testbed/memcached:1.6.18"
    "rabbitmq:4.1-management             devenv-testbed/rabbitmq:3.10"
    "clickhouse/clickhouse-server:25.8   devenv-testbed/clickhouse:18.16"
)

image_ok() { [ "$(docker image inspect -f '{{ index .Config.Labels "dev.devenv.testbed.kinds" }}' "$1" 2>/dev/null)" = "$stamp" ]; }
missing=
for m in "${mappings[@]}"; do image_ok "${m##* }" || missing=1; done

if [ -n "$missing" ]; then
    if [ ! -f "$rootfs/.complete" ]; then
        command -v debootstrap >/dev/null || apt_install debootstrap
        say "building a Debian rootfs with ${packages//,/, } (about four minutes)"
        started=$SECONDS
        rm -rf "$rootfs.partial" "$rootfs"; mkdir -p "$cache"
        debootstrap --variant=minbase --include="$packages" bookworm "$rootfs.partial" >"$cache/kinds-debootstrap.log" 2>&1 \
            || { echo "testbed: debootstrap failed; see $cache/kinds-debootstrap.log" >&2; exit 1; }
        # Data folders start empty, as in the official images: the entrypoints initialise them
        # from the environment on first start (the packages' postinst scripts filled some).
        rm -rf "$rootfs.partial"/var/lib/mysql/* "$rootfs.partial"/var/lib/rabbitmq/mnesia "$rootfs.partial"/var/lib/clickhouse/* \
            "$rootfs.partial"/var/lib/redis/* "$rootfs.partial"/var/cache/apt/archives/*.deb \
            "$rootfs.partial"/usr/share/doc "$rootfs.partial"/usr/share/man
        touch "$rootfs.partial/.complete"
        mv "$rootfs.partial" "$rootfs"
        say "rootfs built in $((SECONDS - started)) s"
    fi
    for f in "$here"/kinds/*; do install -m 0755 "$f" "$rootfs/usr/local/bin/$(basename "$f")"; done
    # ClickHouse as in its official image: every interface, logs on the console.
    mkdir -p "$rootfs/etc/clickhouse-server/config.d"
    echo '<yandex><listen_host>0.0.0.0</listen_host><logger><console>1</console><log remove="remove"/><errorlog remove="remove"/></logger></yandex>' \
        > "$rootfs/etc/clickhouse-server/config.d/docker.xml"
    mkdir -p "$rootfs/data" "$rootfs/docker-entrypoint-initdb.d" "$rootfs/etc/rabbitmq"
    echo '[rabbitmq_management].' > "$rootfs/etc/rabbitmq/enabled_plugins"
    say "importing the kinds' stand-in images"
    tar -C "$rootfs" --exclude=./.complete -c . | docker import \
        --change "LABEL dev.devenv.testbed.kinds=$stamp" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/lib/rabbitmq/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        - devenv-testbed/kinds-base:bookworm >/dev/null
    docker rm -f devenv-testbed-kinds-commit >/dev/null 2>&1 || true
    docker create --name devenv-testbed-kinds-commit devenv-testbed/kinds-base:bookworm true >/dev/null
    commit() { docker commit "${@:2}" devenv-testbed-kinds-commit "$1" >/dev/null; }
    for tag in devenv-testbed/mysql:mariadb-10.11 devenv-testbed/mariadb:10.11; do
        commit "$tag" --change 'ENTRYPOINT ["/usr/local/bin/mariadb-entrypoint.sh"]' --change 'CMD ["mariadbd"]' \
            --change 'EXPOSE 3306' --change 'VOLUME /var/lib/mysql'
    done
    commit devenv-testbed/valkey:redis-7.0 --change 'WORKDIR /data' \
        --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' --change 'CMD ["valkey-server"]' \
        --change 'EXPOSE 6379' --change 'VOLUME /data'
    commit devenv-testbed/memcached:1.6.18 --change 'ENTRYPOINT ["/usr/local/bin/memcached-entrypoint.sh"]' \
        --change 'CMD ["memcached"]' --change 'EXPOSE 11211'
    commit devenv-testbed/rabbitmq:3.10 --change 'ENV HOME=/var/lib/rabbitmq' \
        --change 'ENTRYPOINT ["/usr/local/bin/rabbitmq-entrypoint.sh"]' --change 'CMD ["rabbitmq-server"]' \
        --change 'EXPOSE 5672 15672' --change 'VOLUME /var/lib/rabbitmq'
    commit devenv-testbed/clickhouse:18.16 --change 'ENTRYPOINT ["/usr/local/bin/clickhouse-entrypoint.sh"]' \
        --change 'CMD ["clickhouse-server"]' --change 'EXPOSE 8123 9000' --change 'VOLUME /var/lib/clickhouse'
    docker rm -f devenv-testbed-kinds-commit >/dev/null
fi

# Point the official names at the stand-ins through devenv's own image mapping: each missing
# line is added under `images:`; every other line of the file stays as it was.
mkdir -p "$config_home"
map="$config_home/images.yml"
[ -f "$map" ] || printf '%s\n' "# Written by devenv's test bed (Tests/testbed): Docker Hub is unreachable here." "images:" > "$map"
grep -q '^images:' "$map" || echo "images:" >> "$map"
for (( i = ${#mappings[@]} - 1; i >= 0; i-- )); do     # each goes right under images:, so last first
    m=${mappings[i]}; from=${m%% *}; to=${m##* }
    if ! grep -q "^  $from: " "$map"; then
        say "mapping $from to $to in $map"
        sed -i "/^images:/a\\  $from: $to" "$map"
    fi
done
