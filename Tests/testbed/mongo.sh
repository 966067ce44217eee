#!/usr/bin/env bash
# The test bed's stand-in for the official `mongo` image (the mongodb kind): SecantusDB (PyPI
# `secantusdb`, whose `secantusd-py` is a MongoDB-wire server on WiredTiger with SCRAM users) on
# Debian bookworm's python3, with `mongod`, `mongoimport` and `mongosh` stand-ins (mongo/).
# The official image's contract: MONGO_INITDB_ROOT_USERNAME/PASSWORD (root user, auth on),
# MONGO_INITDB_DATABASE, /docker-entrypoint-initdb.d/*.sh, data in /data/db, port 27017,
# `mongosh --eval 'db.runCommand({ ping: 1 }).ok'` for health checks, mongoimport for JSON
# (array or stream) seeds. No JavaScript engine: .js seeds and init scripts fail, saying so.
# Wheels are downloaded on the host (containers get no package index) and installed from files.
# Run by testbed.sh; idempotent: nothing is rebuilt when the image carries this script's stamp.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DEVENV_TESTBED_CACHE:-/var/cache/devenv-testbed}
config_home=${DEVENV_CONFIG_HOME:-${XDG_CONFIG_HOME:-$HOME/.config}/devenv}
stamp=$(cat "$here/mongo.sh" "$here"/mongo/* | sha256sum | cut -c1-12)
secantus=secantusdb==0.7.0b3                 # a beta: pinned
python=3.11                                  # bookworm's python3
rootfs=$cache/mongo-rootfs
wheels=$cache/mongo-wheels-${secantus#*==}
image=devenv-testbed/mongo:secantusdb
official=mongo:7.0                           # templates/services/mongodb/service.yml: image:version

say() { printf 'testbed: %s\n' "$*"; }
need_root() { [ "$(id -u)" = 0 ] || { echo "testbed: $1 is missing and installing it needs root (run: sudo make testbed)" >&2; exit 1; }; }
apt_updated=
apt_install() {
    need_root "$*"
    if [ -z "$apt_updated" ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
pip() { python3 -m pip --disable-pip-version-check "$@"; }
python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip

# The host-side client the end-to-end tests connect with.
python3 -c 'import pymongo' >/dev/null 2>&1 || { say "installing pymongo on the host"; pip install -q pymongo >/dev/null 2>&1 || pip install -q --break-system-packages pymongo >/dev/null; }

image_ok() { [ "$(docker image inspect -f '{{ index .Config.Labels "dev.devenv.testbed.mongo" }}' "$1" 2>/dev/null)" = "$stamp" ]; }
if ! image_ok "$image"; then
    wheel_flags=(--only-binary=:all: --implementation cp --python-version "$python" --abi "cp${python/./}"
                 --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_24_x86_64
                 --platform manylinux_2_27_x86_64 --platform manylinux_2_28_x86_64)
    if [ ! -f "$wheels/.complete" ]; then
        say "downloading $secantus and its dependencies as wheels for python $python"
        rm -rf "$wheels"; mkdir -p "$wheels"
        pip download -q "${wheel_flags[@]}" --pre -d "$wheels" "$secantus" >"$cache/mongo-pip.log" 2>&1 \
            || { echo "testbed: pip download of $secantus failed; see $cache/mongo-pip.log" >&2; exit 1; }
        touch "$wheels/.complete"
    fi
    if [ ! -f "$rootfs/.complete" ]; then
        command -v debootstrap >/dev/null || apt_install debootstrap
        say "building a Debian rootfs with python3 for the mongo stand-in (about a minute)"
        started=$SECONDS
        rm -rf "$rootfs.partial" "$rootfs"; mkdir -p "$cache"
        debootstrap --variant=minbase --include=python3 bookworm "$rootfs.partial" >"$cache/mongo-debootstrap.log" 2>&1 \
            || { echo "testbed: debootstrap failed; see $cache/mongo-debootstrap.log" >&2; exit 1; }
        rm -rf "$rootfs.partial"/var/cache/apt/archives/*.deb "$rootfs.partial"/usr/share/doc "$rootfs.partial"/usr/share/man
        chroot "$rootfs.partial" groupadd -r -g 999 mongodb
        chroot "$rootfs.partial" useradd -r -u 999 -g mongodb -d /data/db -s /usr/sbin/nologin mongodb
        touch "$rootfs.partial/.complete"
        mv "$rootfs.partial" "$rootfs"
        say "rootfs built in $((SECONDS - started)) s"
    fi
    [ -x "$rootfs/usr/bin/python$python" ] || { echo "testbed: $rootfs has no python$python; remove it to rebuild" >&2; exit 1; }
    site=$rootfs/usr/local/lib/python$python/dist-packages
    rm -rf "$site"; mkdir -p "$site"
    pip install -q "${wheel_flags[@]}" --pre --no-index --find-links "$wheels" --no-compile --target "$site" "$secantus" \
        >"$cache/mongo-pip.log" 2>&1 || { echo "testbed: installing the wheels failed; see $cache/mongo-pip.log" >&2; exit 1; }
    rm -rf "$site/bin"                       # console scripts with the host's python in their #!
    chroot "$rootfs" python3 -m compileall -q -j 0 "${site#"$rootfs"}" >/dev/null || true
    for f in "$here"/mongo/*; do install -m 0755 "$f" "$rootfs/usr/local/bin/$(basename "$f")"; done
    mkdir -p "$rootfs/data/db" "$rootfs/data/configdb" "$rootfs/docker-entrypoint-initdb.d"
    chroot "$rootfs" chown mongodb:mongodb /data/db /data/configdb
    say "importing the mongo stand-in image"
    tar -C "$rootfs" --exclude=./.complete -c . | docker import \
        --change "LABEL dev.devenv.testbed.mongo=$stamp" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' --change 'ENV PYTHONDONTWRITEBYTECODE=1' \
        --change 'ENTRYPOINT ["docker-entrypoint.sh"]' --change 'CMD ["mongod"]' \
        --change 'EXPOSE 27017' --change 'VOLUME /data/db /data/configdb' \
        - "$image" >/dev/null
    image_ok "$image" || { echo "testbed: the imported $image does not carry its stamp" >&2; exit 1; }
fi

# Point the official name at the stand-in through devenv's own image mapping (see kinds.sh).
mkdir -p "$config_home"
map="$config_home/images.yml"
[ -f "$map" ] || printf '%s\n' "# Written by devenv's test bed (Tests/testbed): Docker Hub is unreachable here." "images:" > "$map"
grep -q '^images:' "$map" || echo "images:" >> "$map"
if ! grep -q "^  $official: " "$map"; then
    say "mapping $official to $image in $map"
    sed -i "/^images:/a\\  $official: $image" "$map"
fi
