#!/usr/bin/env bash
# The .deb, from the folder the release archive holds (packaging/dist.sh calls this): the binary
# (its kinds compiled in), the shell completions, the man page and the copyright file.
#   bash packaging/deb.sh STAGE VERSION DIST    writes DIST/devenv_VERSION_ARCH.deb, and its path to DIST/.deb
# DEB_MAINTAINER overrides the Maintainer field.
set -euo pipefail
stage=$1 version=$2 dist=$3
cd "$(dirname "$0")/.."

arch=$(dpkg --print-architecture)
maintainer=${DEB_MAINTAINER:-The devenv authors <devenv@users.noreply.github.com>}
# Debian versions sort "~" before anything: 0.2.0-rc.1 -> 0.2.0~rc.1.
deb_version=$(printf '%s' "$version" | sed 's/-/~/g')
out=$dist/devenv_${deb_version}_$arch.deb

work=$(mktemp -d "${TMPDIR:-/tmp}/devenv-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
r=$work/root
install -d -m 0755 "$r/DEBIAN" "$r/usr/bin" \
    "$r/usr/share/bash-completion/completions" "$r/usr/share/zsh/vendor-completions" \
    "$r/usr/share/fish/vendor_completions.d" "$r/usr/share/man/man1" "$r/usr/share/doc/devenv"
install -m 0755 "$stage/bin/devenv" "$r/usr/bin/devenv"
install -m 0644 "$stage/share/bash-completion/completions/devenv" "$r/usr/share/bash-completion/completions/devenv"
install -m 0644 "$stage/share/zsh/site-functions/_devenv" "$r/usr/share/zsh/vendor-completions/_devenv"
install -m 0644 "$stage/share/fish/vendor_completions.d/devenv.fish" "$r/usr/share/fish/vendor_completions.d/devenv.fish"
gzip -9n <"$stage/share/man/man1/devenv.1" >"$r/usr/share/man/man1/devenv.1.gz"
chmod 0644 "$r/usr/share/man/man1/devenv.1.gz"

# copyright, machine-readable (DEP-5); the Apache-2.0 text is in every Debian system.
cat >"$r/usr/share/doc/devenv/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: devenv
Source: https://github.com/devenv-sh/devenv

Files: *
Copyright: 2026 The devenv authors
License: Apache-2.0
 Licensed under the Apache License, Version 2.0 (the "License");
 you may not use this file except in compliance with the License.
 You may obtain a copy of the License at
 .
     http://www.apache.org/licenses/LICENSE-2.0
 .
 Unless required by applicable law or agreed to in writing, software
 distributed under the License is distributed on an "AS IS" BASIS,
 WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 See the License for the specific language governing permissions and
 limitations under the License.
 .
 On Debian systems, the complete text of the Apache License, Version 2.0
 can be found in "/usr/share/common-licenses/Apache-2.0".
Comment: The binary links the Swift runtime and Foundation statically (Apache-2.0 with
 Runtime Library Exception) and the packages swift-argument-parser, swift-crypto, swift-asn1,
 swift-system, swift-subprocess (Apache-2.0), Yams, swift-mustache (MIT) and BoringSSL
 (ISC/OpenSSL), under their own licences.
EOF
chmod 0644 "$r/usr/share/doc/devenv/copyright"
find "$r" -type d -exec chmod 0755 {} +
find "$r/usr/share" -type f -exec chmod 0644 {} +

# Depends: the shared libraries the binary still loads (the C library and friends), by the
# package that holds each on this machine; libc6 at the newest GLIBC_ symbol version it uses.
depends=()
glibc=$(objdump -T "$r/usr/bin/devenv" | grep -oE 'GLIBC_[0-9]+(\.[0-9]+)+' | sed 's/GLIBC_//' | sort -uV | tail -n1)
for lib in $(objdump -p "$r/usr/bin/devenv" | awk '/NEEDED/ { print $2 }'); do
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
    pkg=
    for p in "$path" "$(readlink -f "$path")"; do
        if [ -z "$p" ] || [ -n "$pkg" ]; then continue; fi
        pkg=$(dpkg -S "$p" 2>/dev/null | head -n1 | cut -d: -f1) || true
    done
    [ -n "$pkg" ] || { echo "deb: cannot tell which package holds $lib; add it to Depends by hand" >&2; exit 1; }
    case $pkg in libc6) dep="libc6 (>= $glibc)" ;; *) dep=$pkg ;; esac
    case " ${depends[*]-} " in *" $dep "*) ;; *) depends+=("$dep") ;; esac
done
depends_line=$(IFS=,; printf '%s' "${depends[*]}" | sed 's/,/, /g')
installed_size=$(du -sk --exclude=DEBIAN "$r" | cut -f1)

cat >"$r/DEBIAN/control" <<EOF
Package: devenv
Version: $deb_version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: $depends_line
Recommends: docker-ce-cli | docker.io | docker-cli, docker-compose-plugin | docker-compose-v2 | docker-compose
Section: devel
Priority: optional
Homepage: https://github.com/devenv-sh/devenv
Description: same local backing services for every developer, with one command
 devenv reads devenv.yml, runs its services (Postgres, MySQL, MongoDB, Redis,
 S3 storage and any other image) with docker compose on 127.0.0.1, waits until
 each answers from the host, and writes the app's .env files. Each git branch
 can have its own stack, on its own ports, with its own data.
 .
 It needs a Docker engine with compose v2 ("docker compose").
EOF
chmod 0644 "$r/DEBIAN/control"
dpkg-deb --build --root-owner-group -Zxz "$r" "$out" >/dev/null
printf '%s\n' "$out" >"$dist/.deb"
