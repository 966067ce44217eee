#!/usr/bin/env bash
# Prints the `swift build` flags that link packaging/curl-stubs.c as the static binary's libcurl
# (Linux only; prints nothing elsewhere), after building it into DIR/curl-stubs/libcurl.a.
#
#   swift build -c release --static-swift-stdlib $(bash packaging/curl-stubs.sh .build-release)
#
# Why: FoundationNetworking comes in with the MCP SDK's HTTP transports and calls libcurl, and
# FoundationNetworking asks the linker for `-lcurl`. devenv sends no request through it, so a
# static libcurl.a of stubs is found first, and the binary needs no libcurl (nor its TLS and
# HTTP/2 libraries) on the user's machine. packaging/curl-stubs.c says what each stub does.
set -euo pipefail
dir=${1:?usage: bash packaging/curl-stubs.sh DIR}
[ "$(uname -s)" = Linux ] || exit 0
repo=$(cd "$(dirname "$0")/.." && pwd)
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
out=$dir/curl-stubs
mkdir -p "$out"
cc=$(command -v clang || command -v cc) || { echo "curl-stubs: no C compiler (clang or cc)" >&2; exit 1; }
if [ ! -f "$out/libcurl.a" ] || [ "$repo/packaging/curl-stubs.c" -nt "$out/libcurl.a" ]; then
    "$cc" -c -O2 -fPIC -o "$out/curl-stubs.o" "$repo/packaging/curl-stubs.c" >&2
    rm -f "$out/libcurl.a"
    ar rcs "$out/libcurl.a" "$out/curl-stubs.o"
fi
printf -- '-Xlinker -L%s\n' "$out"
