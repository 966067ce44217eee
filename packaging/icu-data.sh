#!/usr/bin/env bash
# Prints the `swift build` flags that link ICU's data without its legacy character-set converter
# tables into the static Linux binary (prints nothing elsewhere), after building the object into
# DIR/icu-data/icudata.o.
#
#   swift build -c release --static-swift-stdlib $(bash packaging/icu-data.sh .build-release)
#
# Why: Foundation's ICU data (_FoundationICU's icudtNN_dat, 34 MB) is half of the compressed
# archive. Its *.cnv items (197 of them, 5.7 MB; about 3 MB of the archive) are the conversion
# tables for legacy character sets: EBCDIC, Shift-JIS, EUC, GB18030, Big5, ISO-2022, the DOS and
# Windows code pages. devenv reads and writes UTF-8 only, and UTF-8/16/32, ASCII, Latin-1,
# Windows-1252 and Mac Roman are converted by CoreFoundation's and ICU's own code, not by tables.
# Everything else stays byte for byte: the locales, time zones, collation, break iterators,
# transliterators and normalization, so regular expressions, dates, numbers and case mapping
# behave as with the full data (packaging/icu-check.swift compares the two; see packaging/README.md).
#
# How: the toolchain's lib_FoundationICU.a holds the data as one object that defines icudtNN_dat
# and nothing else, and ICU's udata.cpp refers to it. `--wrap=icudtNN_dat` turns that reference
# into one to __wrap_icudtNN_dat, which DIR/icu-data/icudata.o defines: the filtered copy that
# packaging/icu-data.py makes (the package without its *.cnv items). Nothing refers to
# icudtNN_dat any more, so its archive member (34 MB) is never linked.
set -euo pipefail
dir=${1:?usage: bash packaging/icu-data.sh DIR}
[ "$(uname -s)" = Linux ] || exit 0
repo=$(cd "$(dirname "$0")/.." && pwd)
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
out=$dir/icu-data
die() { printf 'icu-data: %s\n' "$*" >&2; exit 1; }
swift=${SWIFT:-swift}
resources=$("$swift" -print-target-info | sed -n 's/.*"runtimeResourcePath": *"\(.*\)".*/\1/p')
lib=${resources%/swift}/swift_static/linux/lib_FoundationICU.a
[ -f "$lib" ] || die "no $lib (a Swift toolchain with static Foundation is needed)"
if [ -f "$out/flags" ] && [ -f "$out/icudata.o" ] && [ "$out/icudata.o" -nt "$lib" ] && [ "$out/icudata.o" -nt "$repo/packaging/icu-data.py" ] \
    && [ "$out/icudata.o" -nt "$repo/packaging/icu-data.sh" ]; then
    cat "$out/flags"; exit 0
fi
rm -rf "$out"; mkdir -p "$out"
# The member and the symbol: `lib_FoundationICU.a:icu_packaged_data.cpp.o:0000000000000000 R icudt76_dat`.
line=$(nm -A --defined-only "$lib" 2>/dev/null | grep -E ' [RrDd] icudt[0-9]+_dat$' | head -n1) || true
[ -n "$line" ] || die "no icudtNN_dat in $lib"
member=$(printf '%s' "$line" | cut -d: -f2); symbol=${line##* }
[ "$(nm --defined-only "$lib" 2>/dev/null | sed -n "/^$member:\$/,/^\$/p" | grep -c ' [A-Za-z] ')" = 1 ] \
    || die "$member of $lib defines more than $symbol"
( cd "$out" && ar x "$lib" "$member" )
objcopy -O binary --only-section=.rodata "$out/$member" "$out/full.dat"
python3 "$repo/packaging/icu-data.py" "$out/full.dat" "$out/icudata.dat" '^icudt[0-9]+l/[^/]+\.cnv$'
# .incbin keeps the bytes as they are; the symbol is global, 16-byte aligned and sized like ICU's.
cat >"$out/icudata.S" <<EOF
    .section .rodata.__wrap_$symbol,"a",%progbits
    .globl __wrap_$symbol
    .type __wrap_$symbol,%object
    .p2align 4
__wrap_$symbol:
    .incbin "$out/icudata.dat"
    .size __wrap_$symbol, . - __wrap_$symbol
    .section .note.GNU-stack,"",%progbits
EOF
cc=$(command -v clang || command -v cc) || die "no C compiler (clang or cc)"
"$cc" -c -o "$out/icudata.o" "$out/icudata.S" >&2
rm -f "$out/$member" "$out/full.dat" "$out/icudata.dat"
printf -- '-Xlinker --wrap=%s -Xlinker %s\n' "$symbol" "$out/icudata.o" >"$out/flags"
cat "$out/flags"
