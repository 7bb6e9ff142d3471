"""xls (BIFF8 in an OLE compound file): error values and hidden rows and columns from the BIFF records,
every sector number and chain bounded by the file's own size; a password's FILEPASS record."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from .grid import Grid

_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
                0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _cfb_geometry(data: bytes) -> tuple[int, int] | None:
    """An OLE compound file's sector size and how many whole sectors the file holds; None when its header
    declares a sector size no writer uses (then there is no header to judge by)."""
    if len(data) < 512:
        return None
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        return None
    ssz = 1 << shift
    return ssz, (len(data) - ssz) // ssz


def cfb_cut(data: bytes) -> bool:
    """An OLE compound file (xls) whose header points past its end: cut short in a download."""
    if len(data) < 512:
        return True
    geometry = _cfb_geometry(data)
    if geometry is None:
        return False  # calamine's reading decides
    _, n_sectors = geometry
    first_dir = struct.unpack_from("<I", data, 0x30)[0]
    fat = [sid for sid in struct.unpack_from("<109I", data, 0x4C) if sid < 0xFFFFFFFA]
    return first_dir >= n_sectors or any(sid >= n_sectors for sid in fat)


def cfb_stream(data: bytes, names: tuple[str, ...]) -> bytes | None:
    """A stream of an OLE compound file (the `Workbook` of an xls), or None when the file's structure does
    not hold together; every sector number and chain is bounded by the file's own size."""
    geometry = _cfb_geometry(data)
    if geometry is None or not data.startswith(OLE) or struct.unpack_from("<H", data, 0x20)[0] != 6:
        return None  # 64-byte mini sectors, as every writer uses
    cfb = _Cfb(data, *geometry)
    entries = cfb.entries()
    for name, kind, start, size in entries:
        if kind == 2 and name in names:
            return cfb.stream(start, size, root_start=entries[0][2])
    return None


class _Cfb:
    """The sectors, allocation tables and directory of a compound file whose geometry was checked."""

    MINI = 64

    def __init__(self, data: bytes, ssz: int, n_sectors: int):
        self.data, self.ssz, self.n = data, ssz, n_sectors
        (n_fat, self.first_dir, _, self.cutoff, self.first_minifat, self.n_minifat, first_difat,
         n_difat) = struct.unpack_from("<IIIIIIII", data, 0x2C)
        difat = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < n_sectors]
        sid, seen = first_difat, 0
        while sid < n_sectors and seen <= n_difat and seen < n_sectors:
            block = self._ints(sid)
            difat += [s for s in block[:-1] if s < n_sectors]
            sid, seen = block[-1], seen + 1
        self.fat = [x for s in difat[:n_fat] for x in self._ints(s)]

    def _sector(self, sid: int) -> bytes:
        return self.data[(sid + 1) * self.ssz:(sid + 2) * self.ssz]

    def _ints(self, sid: int) -> tuple[int, ...]:
        return struct.unpack(f"<{self.ssz // 4}I", self._sector(sid))

    @staticmethod
    def _chain(start: int, table: list[int], limit: int) -> list[int]:
        """A chain of sector numbers, cut at the first one out of range and never longer than `limit`."""
        out: list[int] = []
        sid = start
        while sid < limit and len(out) <= limit:
            out.append(sid)
            sid = table[sid] if sid < len(table) else 0xFFFFFFFE
        return out

    def _read(self, start: int) -> bytes:
        return b"".join(self._sector(s) for s in self._chain(start, self.fat, self.n))

    def entries(self) -> list[tuple[str, int, int, int]]:
        """(name, kind, first sector, size) of every directory entry; the first is the root."""
        directory = self._read(self.first_dir)
        entries = []
        for off in range(0, len(directory) - 127, 128):
            length = struct.unpack_from("<H", directory, off + 64)[0]
            name = directory[off:off + max(0, min(length, 64) - 2)].decode("utf-16-le", "replace")
            start, size = struct.unpack_from("<II", directory, off + 116)
            entries.append((name, directory[off + 66], start, size))
        return entries

    def stream(self, start: int, size: int, root_start: int) -> bytes:
        """A stream's bytes: from the sectors, or below the cutoff from the root's mini stream."""
        if size >= self.cutoff:
            return self._read(start)[:size]
        minifat = [x for s in self._chain(self.first_minifat, self.fat, self.n)[:self.n_minifat]
                   for x in self._ints(s)]
        ministream = self._read(root_start)
        mini = self.MINI
        chain = self._chain(start, minifat, len(ministream) // mini)
        return b"".join(ministream[m * mini:(m + 1) * mini] for m in chain)[:size]


def _records(stream: bytes, pos: int) -> Iterator[tuple[int, int, int]]:
    """(type, body start, body length) of the BIFF records from `pos` to the substream's EOF."""
    end = len(stream)
    unpack = struct.unpack_from
    while pos + 4 <= end:
        rtype, length = unpack("<HH", stream, pos)
        yield rtype, pos + 4, length
        if rtype == 0x000A:  # EOF
            return
        pos += 4 + length


def xls_password(data: bytes) -> bool:
    """An xls saved with a password to open: a FILEPASS record among the workbook's global records."""
    stream = cfb_stream(data, ("Workbook", "Book"))
    return stream is not None and any(rtype == 0x002F for rtype, _, _ in _records(stream, 0))


def xls_details(data: bytes, grid: Grid) -> None:
    stream = cfb_stream(data, ("Workbook", "Book"))
    if stream is None or len(stream) < 8 or struct.unpack_from("<HHH", stream, 0)[2] != 0x0600:
        return  # not BIFF8 (Excel 97–2003): calamine's reading stands alone
    offset = None
    for rtype, body, length in _records(stream, 0):
        if rtype == 0x0085 and length >= 8:  # BOUNDSHEET: the sheet's name and where its records start
            position = struct.unpack_from("<I", stream, body)[0]
            cch, flags = stream[body + 6], stream[body + 7]
            raw = stream[body + 8:body + 8 + cch * (2 if flags & 1 else 1)]
            name = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
            if name == grid.name:
                offset = position
    if offset is None or offset >= len(stream):
        return
    unpack = struct.unpack_from
    for rtype, body, length in _records(stream, offset):
        if rtype == 0x0006 and length >= 14:  # FORMULA: a cached error result
            if stream[body + 12:body + 14] == b"\xff\xff" and stream[body + 6] == 2:
                row, col = unpack("<HH", stream, body)
                grid.put(row, col, _BIFF_ERRORS.get(stream[body + 8], "#VALUE!"))
        elif rtype == 0x0205 and length >= 8 and stream[body + 7]:  # BOOLERR holding an error
            row, col = unpack("<HH", stream, body)
            grid.put(row, col, _BIFF_ERRORS.get(stream[body + 6], "#VALUE!"))
        elif rtype == 0x0208 and length >= 14 and unpack("<H", stream, body + 12)[0] & 0x20:  # ROW, hidden
            grid.hidden_rows.add(unpack("<H", stream, body)[0])
        elif rtype == 0x007D and length >= 10 and unpack("<H", stream, body + 8)[0] & 1:  # COLINFO, hidden
            first, last = unpack("<HH", stream, body)
            grid.hidden_cols.update(range(first, min(last, 255) + 1))
