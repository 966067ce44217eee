#!/usr/bin/env bash
# Prints the extra `swift build` flags of the static Linux release binary (prints nothing
# elsewhere), after building what they link into DIR. Used by `make dist`, `make install` and
# `make bench`, so that all three build the same binary.
#
#   swift build -c release --product devenv --static-swift-stdlib $(bash packaging/link-flags.sh .build-release)
#
#   packaging/curl-stubs.sh    a static libcurl of stubs for FoundationNetworking (it says why)
#   packaging/icu-data.sh      ICU's data without its legacy character-set tables (it says why)
#   --no-export-dynamic        the toolchain's static-stdlib-args.lnk passes -export-dynamic, which
#                              puts 20,000 of the binary's own symbols into its dynamic symbol table
#                              (1.6 MB, 0.6 MB of the archive) for nobody: devenv loads no plug-in and
#                              looks none of its own symbols up (its dlsym calls look up libc's).
#
# With them the stripped binary is 65.1 MB instead of 73.1 MB and the archive 23.1 MB instead of
# 26.5 MB (README, Install; the measurements are in packaging/README.md).
set -euo pipefail
dir=${1:?usage: bash packaging/link-flags.sh DIR}
[ "$(uname -s)" = Linux ] || exit 0
here=$(cd "$(dirname "$0")" && pwd)
stubs=$(bash "$here/curl-stubs.sh" "$dir") || { echo "link-flags: cannot build the libcurl stubs (packaging/curl-stubs.sh)" >&2; exit 1; }
icu=$(bash "$here/icu-data.sh" "$dir") || { echo "link-flags: cannot build the ICU data (packaging/icu-data.sh)" >&2; exit 1; }
printf -- '%s %s -Xlinker --no-export-dynamic\n' "$stubs" "$icu"
