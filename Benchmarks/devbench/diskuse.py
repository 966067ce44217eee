"""Disk use of a folder as the file system sees it (read on this machine, as root: the engines
are local), and dropping a folder's files from the page cache.

- `allocated`: what `du` counts, the blocks allocated to every file and folder (each inode once).
  For a reflink clone this counts every block it shares with its source: it is not new disk.
- `unshared`: the bytes of the regular files' extents that FIEMAP does not flag as shared
  (FIEMAP_EXTENT_SHARED: XFS and btrfs set it on an extent another file also references) — the
  blocks this folder owns alone, what removing it would give back. `filefrag -v` prints the same
  flag ("shared"); folders and the file system's own metadata (XFS's refcount btree) are not in it.
- `fs_used`: the used bytes of the file system holding a path (`df`), for a before/after delta.
"""
import fcntl
import os
import stat
import struct

FS_IOC_FIEMAP = 0xC020660B
FIEMAP_FLAG_SYNC = 0x1
FIEMAP_EXTENT_LAST = 0x1
FIEMAP_EXTENT_SHARED = 0x2000
_HEAD = struct.Struct("=QQIIII")           # fm_start, fm_length, fm_flags, fm_mapped_extents, fm_extent_count, fm_reserved
_EXTENT = struct.Struct("=QQQQQIIII")      # fe_logical, fe_physical, fe_length, fe_reserved64[2], fe_flags, fe_reserved[3]
_BATCH = 512


def _walk(root: str):
    """(path, lstat) of every entry under root, root included; each inode once."""
    seen = set()
    if not os.path.isdir(root):
        if os.path.lexists(root):
            yield root, os.lstat(root)
        return
    for folder, dirs, files in os.walk(root):
        for name in [None, *files, *dirs] if folder == root else [*files, *dirs]:
            path = folder if name is None else os.path.join(folder, name)
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            yield path, st


def allocated(root: str) -> int:
    return sum(st.st_blocks * 512 for _, st in _walk(root))


def extents(fd: int):
    """(logical, length, flags) of each extent of an open file, FIEMAP_FLAG_SYNC first."""
    start = 0
    while True:
        buf = bytearray(_HEAD.pack(start, 0xFFFFFFFFFFFFFFFF - start, FIEMAP_FLAG_SYNC, 0, _BATCH, 0) + bytes(_EXTENT.size * _BATCH))
        fcntl.ioctl(fd, FS_IOC_FIEMAP, buf, True)
        mapped = _HEAD.unpack_from(buf, 0)[3]
        if mapped == 0:
            return
        for i in range(mapped):
            logical, _, length, _, _, flags, _, _, _ = _EXTENT.unpack_from(buf, _HEAD.size + i * _EXTENT.size)
            yield logical, length, flags
            if flags & FIEMAP_EXTENT_LAST:
                return
        start = logical + length


def unshared(root: str) -> tuple[int, int]:
    """(bytes in extents not shared, bytes in shared extents) of the regular files under root.
    Everything is written back first: a block still in the page cache has no extent yet, and
    the extent it will replace still shows as shared."""
    os.sync()
    own = shared = 0
    for path, st in _walk(root):
        if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
            continue
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            for _, length, flags in extents(fd):
                if flags & FIEMAP_EXTENT_SHARED:
                    shared += length
                else:
                    own += length
        finally:
            os.close(fd)
    return own, shared


def evict(root: str) -> int:
    """Drops the clean pages of every regular file under root from the page cache (call
    os.sync() first so none is dirty); returns how many files. Other files' pages stay."""
    n = 0
    for path, st in _walk(root):
        if stat.S_ISREG(st.st_mode):
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                n += 1
            finally:
                os.close(fd)
    return n


def fs_used(path: str) -> int:
    s = os.statvfs(path)
    return (s.f_blocks - s.f_bfree) * s.f_frsize


def mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"
