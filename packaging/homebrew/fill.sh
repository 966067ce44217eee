#!/bin/sh
# Fill the Homebrew formula template with a release's version and checksums.
#   sh packaging/homebrew/fill.sh VERSION DIR > devenv.rb
# DIR holds devenv-VERSION-{macos-universal,linux-x86_64,linux-aarch64}.tar.gz.sha256.
set -eu
version=${1:?usage: fill.sh VERSION DIR}
dir=${2:?usage: fill.sh VERSION DIR}
here=$(dirname "$0")
sum() {
    f=$dir/devenv-$version-$1.tar.gz.sha256
    [ -f "$f" ] || { echo "fill.sh: missing $f" >&2; exit 1; }
    s=$(sed -n '1s/^\([0-9a-fA-F]\{64\}\).*/\1/p' "$f")
    [ -n "$s" ] || { echo "fill.sh: $f holds no sha256" >&2; exit 1; }
    printf '%s' "$s"
}
mac=$(sum macos-universal)
x86=$(sum linux-x86_64)
arm=$(sum linux-aarch64)
out=$(sed -e "s/@VERSION@/$version/g" -e "s/@SHA256_MACOS_UNIVERSAL@/$mac/" \
    -e "s/@SHA256_LINUX_X86_64@/$x86/" -e "s/@SHA256_LINUX_AARCH64@/$arm/" \
    -e '/^# This file is a template/,/^#   brew install/d' "$here/devenv.rb")
if printf '%s\n' "$out" | grep -q '@[A-Z0-9_]*@'; then
    echo "fill.sh: placeholders left in the formula" >&2; exit 1
fi
printf '%s\n' "$out"
