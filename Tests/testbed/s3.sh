#!/usr/bin/env bash
# The test bed's stand-ins for the S3 kinds (minio, rustfs) and for MinIO's client image (the
# rustfs kind's tool image): Ceph's radosgw from Debian trixie (Reef 18.2) on its standalone
# SQLite store (dbstore, no Ceph cluster), which checks SigV4 signatures, so a wrong secret is
# refused. In front of it, s3-stand-in answers the MinIO/RustFS health endpoints and refuses
# multipart uploads (dbstore 18.2 corrupts them; one PUT works) (s3/).
#   devenv-testbed/minio:radosgw   `minio server DIR --console-address :9001`, MINIO_ROOT_USER/PASSWORD
#   devenv-testbed/rustfs:radosgw  RUSTFS_ACCESS_KEY/SECRET_KEY, RUSTFS_VOLUMES, RUSTFS_ADDRESS …
#   devenv-testbed/mc:boto3        entrypoint `mc`: alias set, mb, pipe, ready (boto3, from wheels)
# Wheels are downloaded on the host (containers get no package index) and installed from files.
# Run by testbed.sh; idempotent: nothing is rebuilt when the images carry this script's stamp.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${DEVENV_TESTBED_CACHE:-/var/cache/devenv-testbed}
config_home=${DEVENV_CONFIG_HOME:-${XDG_CONFIG_HOME:-$HOME/.config}/devenv}
stamp=$(cat "$here/s3.sh" "$here"/s3/* | sha256sum | cut -c1-12)
python=3.13                                  # trixie's python3
rootfs=$cache/s3-rootfs
wheels=$cache/s3-wheels
label=dev.devenv.testbed.s3

#   default image (templates/services/<kind>/service.yml, the rustfs kind's tool image)  stand-in
mappings=(
    "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z   devenv-testbed/minio:radosgw"
    "rustfs/rustfs:1.0.1                                devenv-testbed/rustfs:radosgw"
    "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z      devenv-testbed/mc:boto3"
)

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

# The host-side client the end-to-end tests connect with (moto.sh installs it too).
python3 -c 'import boto3' >/dev/null 2>&1 || { say "installing boto3 on the host"; pip install -q boto3 >/dev/null 2>&1 || pip install -q --break-system-packages boto3 >/dev/null; }

image_ok() { [ "$(docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null)" = "$stamp" ]; }
missing=
for m in "${mappings[@]}"; do image_ok "${m##* }" || missing=1; done

if [ -n "$missing" ]; then
    wheel_flags=(--only-binary=:all: --implementation cp --python-version "$python" --abi "cp${python/./}"
                 --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64)
    if [ ! -f "$wheels/.complete" ]; then
        say "downloading boto3 as wheels for python $python"
        rm -rf "$wheels"; mkdir -p "$wheels"
        pip download -q "${wheel_flags[@]}" -d "$wheels" boto3 >"$cache/s3-pip.log" 2>&1 \
            || { echo "testbed: pip download of boto3 failed; see $cache/s3-pip.log" >&2; exit 1; }
        touch "$wheels/.complete"
    fi
    if [ ! -f "$rootfs/.complete" ]; then
        command -v debootstrap >/dev/null || apt_install debootstrap
        [ -e /usr/share/debootstrap/scripts/trixie ] || { echo "testbed: this debootstrap does not know trixie; upgrade debootstrap" >&2; exit 1; }
        say "building a Debian trixie rootfs with radosgw (about three minutes)"
        started=$SECONDS
        rm -rf "$rootfs.partial" "$rootfs"; mkdir -p "$cache"
        debootstrap --variant=minbase --include=radosgw,python3,curl trixie "$rootfs.partial" >"$cache/s3-debootstrap.log" 2>&1 \
            || { echo "testbed: debootstrap failed; see $cache/s3-debootstrap.log" >&2; exit 1; }
        rm -rf "$rootfs.partial"/var/cache/apt/archives/*.deb "$rootfs.partial"/usr/share/doc "$rootfs.partial"/usr/share/man
        touch "$rootfs.partial/.complete"
        mv "$rootfs.partial" "$rootfs"
        say "rootfs built in $((SECONDS - started)) s"
    fi
    [ -x "$rootfs/usr/bin/python$python" ] && [ -x "$rootfs/usr/bin/radosgw" ] \
        || { echo "testbed: $rootfs lacks python$python or radosgw; remove it to rebuild" >&2; exit 1; }
    site=$rootfs/usr/local/lib/python$python/dist-packages
    rm -rf "$site"; mkdir -p "$site"
    pip install -q "${wheel_flags[@]}" --no-index --find-links "$wheels" --no-compile --target "$site" boto3 \
        >"$cache/s3-pip.log" 2>&1 || { echo "testbed: installing the wheels failed; see $cache/s3-pip.log" >&2; exit 1; }
    rm -rf "$site/bin"                       # console scripts with the host's python in their #!
    chroot "$rootfs" python3 -m compileall -q -j 0 "${site#"$rootfs"}" >/dev/null || true
    for f in "$here"/s3/*; do install -m 0755 "$f" "$rootfs/usr/local/bin/$(basename "$f")"; done
    mkdir -p "$rootfs/data" "$rootfs/etc/ceph"
    : > "$rootfs/etc/ceph/ceph.conf"          # no cluster: everything is on radosgw's command line
    say "importing the S3 stand-in images"
    tar -C "$rootfs" --exclude=./.complete -c . | docker import \
        --change "LABEL $label=$stamp" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' --change 'ENV PYTHONDONTWRITEBYTECODE=1' \
        - devenv-testbed/s3-base:trixie >/dev/null
    docker rm -f devenv-testbed-s3-commit >/dev/null 2>&1 || true
    docker create --name devenv-testbed-s3-commit devenv-testbed/s3-base:trixie true >/dev/null
    commit() { docker commit "${@:2}" devenv-testbed-s3-commit "$1" >/dev/null; }
    commit devenv-testbed/minio:radosgw \
        --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' --change 'CMD ["minio"]' \
        --change 'EXPOSE 9000' --change 'VOLUME /data'
    commit devenv-testbed/rustfs:radosgw --change 'ENTRYPOINT ["/usr/local/bin/rustfs"]' --change 'CMD []' \
        --change 'EXPOSE 9000 9001' --change 'VOLUME /data'
    commit devenv-testbed/mc:boto3 --change 'ENTRYPOINT ["mc"]' --change 'CMD []' --change 'WORKDIR /'
    docker rm -f devenv-testbed-s3-commit >/dev/null
    for m in "${mappings[@]}"; do image_ok "${m##* }" || { echo "testbed: ${m##* } does not carry its stamp" >&2; exit 1; }; done
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
