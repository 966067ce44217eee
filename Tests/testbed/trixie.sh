#!/usr/bin/env bash
# The test bed's stand-ins for the newer majors that `devenv upgrade` moves data to: PostgreSQL 17,
# MariaDB 11.8 and Redis 8.0 from Debian trixie. Each reuses the bookworm stand-ins' entrypoints, so it
# honours the official image's contract the same way (postgres-entrypoint.sh, kinds/).
#   devenv-testbed/postgres:17     ← postgres:17    (postgres:15 is the bookworm stand-in, testbed.sh)
#   devenv-testbed/mariadb:11.8    ← mariadb:11.8-trixie (mariadb:10.11 ← the bookworm 10.11 stand-in)
#   devenv-testbed/redis:8         ← redis:8        (redis:7 is the bookworm stand-in, testbed.sh)
# One trixie rootfs (one debootstrap, one docker import), cached under the test bed cache.
# Run by testbed.sh after kinds.sh; idempotent: nothing is rebuilt when the images carry this
# script's stamp. See ../../README.md ("Upgrading a service").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DEVENV_TESTBED_CACHE:-/var/cache/devenv-testbed}
config_home=${DEVENV_CONFIG_HOME:-${XDG_CONFIG_HOME:-$HOME/.config}/devenv}
stamp=$(cat "$here/trixie.sh" "$here/postgres-entrypoint.sh" "$here/redis-entrypoint.sh" "$here"/kinds/mariadb-entrypoint.sh "$here"/kinds/healthcheck.sh | sha256sum | cut -c1-12)
rootfs=$cache/trixie-rootfs
label=dev.devenv.testbed.trixie

#   official image name              stand-in
mappings=(
    "postgres:17                      devenv-testbed/postgres:17"
    "mariadb:10.11                    devenv-testbed/mariadb:10.11"
    "mariadb:11.8-trixie              devenv-testbed/mariadb:11.8"
    "redis:8                          devenv-testbed/redis:8"
)

say() { printf 'testbed: %s\n' "$*"; }
need_root() { [ "$(id -u)" = 0 ] || { echo "testbed: $1 is missing and installing it needs root (run: sudo make testbed)" >&2; exit 1; }; }
apt_updated=
apt_install() {
    need_root "$*"
    if [ -z "$apt_updated" ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

image_ok() { [ "$(docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null)" = "$stamp" ]; }
missing=
images=(devenv-testbed/postgres:17 devenv-testbed/mariadb:11.8 devenv-testbed/redis:8)
for img in "${images[@]}"; do image_ok "$img" || missing=1; done

if [ -n "$missing" ]; then
    if [ ! -f "$rootfs/.complete" ]; then
        command -v debootstrap >/dev/null || apt_install debootstrap
        [ -e /usr/share/debootstrap/scripts/trixie ] || { echo "testbed: this debootstrap does not know trixie; upgrade debootstrap" >&2; exit 1; }
        say "building a Debian trixie rootfs with postgresql-17, mariadb-server 11.8 and redis-server 8.0 (about four minutes)"
        started=$SECONDS
        rm -rf "$rootfs.partial" "$rootfs"; mkdir -p "$cache"
        debootstrap --variant=minbase --include=postgresql-17,mariadb-server,redis-server,util-linux trixie "$rootfs.partial" \
            >"$cache/trixie-debootstrap.log" 2>&1 \
            || { echo "testbed: debootstrap failed; see $cache/trixie-debootstrap.log" >&2; exit 1; }
        # Data folders start empty, as in the official images: the entrypoints initialise them.
        rm -rf "$rootfs.partial"/var/lib/postgresql/17 "$rootfs.partial"/var/lib/mysql/* "$rootfs.partial"/var/lib/redis/* \
            "$rootfs.partial"/var/cache/apt/archives/*.deb "$rootfs.partial"/usr/share/doc "$rootfs.partial"/usr/share/man
        touch "$rootfs.partial/.complete"
        mv "$rootfs.partial" "$rootfs"
        say "rootfs built in $((SECONDS - started)) s"
    fi
    if [ ! -x "$rootfs/usr/bin/redis-server" ]; then   # a rootfs built before Redis 8 joined: added in place
        say "adding redis-server 8.0 to $rootfs"
        printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d"; chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
        { chroot "$rootfs" apt-get update -qq && DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get install -y -qq --no-install-recommends redis-server; } \
            >"$cache/trixie-redis.log" 2>&1 || { echo "testbed: installing redis-server failed; see $cache/trixie-redis.log" >&2; exit 1; }
        rm -rf "$rootfs/usr/sbin/policy-rc.d" "$rootfs"/var/lib/redis/* "$rootfs"/var/cache/apt/archives/*.deb
    fi
    [ -x "$rootfs/usr/lib/postgresql/17/bin/postgres" ] && [ -x "$rootfs/usr/sbin/mariadbd" ] && [ -x "$rootfs/usr/bin/redis-server" ] \
        || { echo "testbed: $rootfs lacks postgres 17, mariadbd or redis-server; remove it to rebuild" >&2; exit 1; }
    install -m 0755 "$here/postgres-entrypoint.sh" "$rootfs/usr/local/bin/postgres-entrypoint.sh"
    for f in mariadb-entrypoint.sh healthcheck.sh; do install -m 0755 "$here/kinds/$f" "$rootfs/usr/local/bin/$f"; done
    install -m 0755 "$here/redis-entrypoint.sh" "$rootfs/usr/local/bin/redis-entrypoint.sh"
    install -m 0755 "$here/redis-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"   # the official image's name, in PATH
    mkdir -p "$rootfs/docker-entrypoint-initdb.d" "$rootfs/data"
    say "importing the trixie stand-in images"
    tar -C "$rootfs" --exclude=./.complete -c . | docker import \
        --change "LABEL $label=$stamp" \
        --change 'ENV PATH=/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        - devenv-testbed/trixie-base:trixie >/dev/null
    docker rm -f devenv-testbed-trixie-commit >/dev/null 2>&1 || true
    docker create --name devenv-testbed-trixie-commit devenv-testbed/trixie-base:trixie true >/dev/null
    commit() { docker commit "${@:2}" devenv-testbed-trixie-commit "$1" >/dev/null; }
    commit devenv-testbed/postgres:17 --change 'ENV PGDATA=/var/lib/postgresql/data' \
        --change 'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]' --change 'CMD ["postgres"]' \
        --change 'EXPOSE 5432' --change 'VOLUME /var/lib/postgresql/data'
    commit devenv-testbed/mariadb:11.8 --change 'ENTRYPOINT ["/usr/local/bin/mariadb-entrypoint.sh"]' \
        --change 'CMD ["mariadbd"]' --change 'EXPOSE 3306' --change 'VOLUME /var/lib/mysql'
    commit devenv-testbed/redis:8 --change 'WORKDIR /data' --change 'ENTRYPOINT ["/usr/local/bin/redis-entrypoint.sh"]' \
        --change 'CMD ["redis-server"]' --change 'EXPOSE 6379' --change 'VOLUME /data'
    docker rm -f devenv-testbed-trixie-commit >/dev/null
    for img in "${images[@]}"; do
        image_ok "$img" || { echo "testbed: $img does not carry its stamp" >&2; exit 1; }
    done
fi

# Point the official names at the stand-ins through devenv's own image mapping (see kinds.sh).
mkdir -p "$config_home"
map="$config_home/images.yml"
[ -f "$map" ] || printf '%s\n' "# Written by devenv's test bed (Tests/testbed): Docker Hub is unreachable here." "images:" > "$map"
grep -q '^images:' "$map" || echo "images:" >> "$map"
for (( i = ${#mappings[@]} - 1; i >= 0; i-- )); do
    m=${mappings[i]}; from=${m%% *}; to=${m##* }
    if ! grep -q "^  $from: " "$map"; then
        say "mapping $from to $to in $map"
        sed -i "/^images:/a\\  $from: $to" "$map"
    fi
done
