#!/usr/bin/env bash
# Checks that the ICU data packaging/icu-data.sh links into the release binary behaves as the full
# data, except for the legacy character sets it leaves out: compiles packaging/icu-check.swift
# statically twice (full data; the copy, without exported symbols as devenv), runs both and compares their output line by line. Only
# lines starting "legacy" may differ. Linux only (prints nothing elsewhere); about 10 s.
#
#   bash packaging/icu-check.sh DIR      (DIR as for icu-data.sh, e.g. .build-release)
set -euo pipefail
dir=${1:?usage: bash packaging/icu-check.sh DIR}
[ "$(uname -s)" = Linux ] || exit 0
repo=$(cd "$(dirname "$0")/.." && pwd)
swift=${SWIFT:-swift}
swiftc=$(dirname "$(command -v "$swift")")/swiftc
read -r -a flags <<<"$(bash "$repo/packaging/icu-data.sh" "$dir")"
out=$dir/icu-data
compile() {   # the linker's warnings about Foundation's mktemp go to the log
    "$swiftc" -Onone -static-stdlib "$repo/packaging/icu-check.swift" -module-cache-path "$out/cache" "$@" >>"$out/check.log" 2>&1 \
        || { cat "$out/check.log" >&2; echo "icu-check: cannot compile packaging/icu-check.swift" >&2; exit 1; }
}
: >"$out/check.log"
compile -o "$out/check-full"
compile -o "$out/check-copy" "${flags[@]}" -Xlinker --no-export-dynamic   # linked as link-flags.sh links devenv
run() { env -i PATH=/usr/bin:/bin LANG=C.UTF-8 TZ=UTC "$1"; }
run "$out/check-full" >"$out/check-full.txt" || echo "exit status: $?" >>"$out/check-full.txt"
run "$out/check-copy" >"$out/check-copy.txt" || echo "exit status: $?" >>"$out/check-copy.txt"
lines=$(wc -l <"$out/check-full.txt" | tr -d ' ')
if [ "$lines" -lt 40 ] || [ "$lines" != "$(wc -l <"$out/check-copy.txt" | tr -d ' ')" ]; then
    echo "icu-check: the two runs printed $lines and $(wc -l <"$out/check-copy.txt") lines; the copy's last:" >&2
    tail -n 3 "$out/check-copy.txt" >&2; exit 1
fi
differ=$(paste -d '\n' "$out/check-full.txt" "$out/check-copy.txt" | paste - - -d '\t' | awk -F'\t' '$1 != $2 { print $1 "\t" $2 }')
# No `| grep -q` under pipefail: the writer of an early-closed pipe ends with SIGPIPE (141).
others=$(grep -v -e '^$' -e '^legacy ' <<<"$differ" || true)
if [ -n "$others" ]; then
    echo "icu-check: the filtered ICU data changes more than the legacy character sets:" >&2
    while IFS= read -r line; do printf '  full | copy: %s\n' "$line"; done <<<"$others" >&2
    exit 1
fi
legacy=$(grep -c '^legacy ' <<<"$differ" || true)
if [ "$legacy" -eq 0 ]; then
    echo "icu-check: the two runs agree even on legacy character sets: the copy of the data is not what was linked" >&2; exit 1
fi
printf 'icu-check: %s lines alike; %s differ, all legacy character sets\n' "$((lines - legacy))" "$legacy"
rm -f "$out/check-full" "$out/check-copy"
