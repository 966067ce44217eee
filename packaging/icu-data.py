#!/usr/bin/env python3
"""Copies an ICU common data package (the `CmnD` .dat that Foundation's _FoundationICU links in
as `icudtNN_dat`) without the items whose names match a regular expression.

    python3 packaging/icu-data.py IN.dat OUT.dat REGEX    (prints what it left out to stderr)

The package: a header (its length in the first two bytes), then at the header's end a table of
contents (a 32-bit count, then per item a 32-bit name offset and a 32-bit data offset, both from
the table's start), the item names (NUL-terminated, sorted: ICU looks them up by binary search),
then the items, each aligned to 16 bytes. The copy keeps the header, the order and every byte of
the items it keeps; only the table is rewritten. packaging/icu-data.sh says why and what is left out.
"""
import re
import struct
import sys


def items(data: bytes, toc: int) -> list[tuple[bytes, int, int]]:
    count = struct.unpack_from("<I", data, toc)[0]
    entries = [struct.unpack_from("<II", data, toc + 4 + 8 * i) for i in range(count)]
    out = []
    for i, (name_at, data_at) in enumerate(entries):
        name = data[toc + name_at:data.index(b"\0", toc + name_at)]
        end = toc + entries[i + 1][1] if i + 1 < count else len(data)
        out.append((name, toc + data_at, end - (toc + data_at)))
    return out


def main() -> int:
    src, dst, pattern = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])
    data = open(src, "rb").read()
    header = struct.unpack_from("<H", data, 0)[0]
    if data[2:4] != b"\xda\x27" or data[12:16] != b"CmnD" or data[8] != 0:
        print(f"icu-data: {src} is not a little-endian ICU common data package (CmnD)", file=sys.stderr)
        return 1
    every = items(data, header)
    kept = [it for it in every if not pattern.search(it[0].decode())]
    names, name_at = b"", []
    table = 4 + 8 * len(kept)
    for name, _, _ in kept:
        name_at.append(table + len(names))
        names += name + b"\0"
    pad = -(header + table + len(names)) % 16
    out = bytearray(data[:header]) + struct.pack("<I", len(kept))
    at = table + len(names) + pad
    for (name, start, size), n_at in zip(kept, name_at):
        out += struct.pack("<II", n_at, at)
        at += size
    out += names + b"\0" * pad
    for _, start, size in kept:
        out += data[start:start + size]
    with open(dst, "wb") as f:
        f.write(out)
    # The copy must list exactly the kept items, each with the same bytes.
    check = items(bytes(out), header)
    assert [n for n, _, _ in check] == [n for n, _, _ in kept]
    assert all(out[s:s + z] == data[s0:s0 + z0] for (_, s, z), (_, s0, z0) in zip(check, kept))
    left = len(every) - len(kept)
    print(f"icu-data: kept {len(kept)} of {len(every)} items, {len(out)} of {len(data)} bytes "
          f"(left out {left} items matching {pattern.pattern})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
