"""One decoding path for every text file kpiscore reads: schemes, plans, CSV/TSV and Unicode-text exports.

Chinese Windows writes UTF-8 with a BOM, GBK/GB18030 without one, and Excel's "Unicode text" is UTF-16.
The encoding is decided for the whole file from its bytes, so a UTF-8 file with one damaged byte is
reported at that line instead of being silently re-read as GB18030 mojibake.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from .isolate import Pending

#: BOMs, longest first (a UTF-32 BOM starts like a UTF-16 one)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class DecodeProblem(Exception):
    """The bytes are not text in any encoding kpiscore reads; `line` is where the first bad byte sits."""

    encoding: str
    line: int


def file_problem(path: Path) -> tuple[str, dict[str, str]] | None:
    """Why `path` cannot be read as a file, as a finding's code and facts, or None: a name with a NUL byte
    (no file system takes one), no such file, a folder, or no regular file: a pipe or a device (/dev/zero)
    would block the run or never end."""
    import os
    import stat

    shown = {"path": str(path).replace("\x00", "\\0")}
    if "\x00" in str(path):
        return "path_nul", shown
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "file_missing", shown
    except OSError as exc:
        return "file_unreadable", {"detail": exc.strerror or str(exc)}
    except UnicodeEncodeError:  # a lone surrogate from Python: no file system can name it
        return "path_unencodable", {"path": ascii(str(path))}
    if stat.S_ISDIR(mode):
        return "file_is_dir", shown
    return None if stat.S_ISREG(mode) else ("file_not_regular", shown)


def is_file(path: Path) -> bool:
    """Whether `path` is a regular file to read; never raises (`Path.is_file` does for a name too long)."""
    return file_problem(path) is None


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM: most of the ASCII text's high bytes are NUL."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd > len(sample) // 4 and even == 0:
        return "utf-16-le"
    if even > len(sample) // 4 and odd == 0:
        return "utf-16-be"
    return None


def detect_encoding(data: bytes) -> str:
    """The encoding of a text file: a BOM's, UTF-16 by its NULs, UTF-8 when it decodes (or nearly does),
    else GB18030; raises DecodeProblem at the first bad byte."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    utf16 = _utf16_without_bom(data)
    if utf16:
        return utf16
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    # A UTF-8 file with a damaged byte still holds many well-formed multi-byte characters; a GBK file
    # decoded as UTF-8 holds almost none. Only the latter is re-read as GB18030.
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    wide = sum(1 for ch in text if ord(ch) > 0x7F) - bad
    if wide > 4 * bad:
        raise DecodeProblem("utf-8", _line_of(data, first_bad))
    try:
        data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise DecodeProblem("gb18030", _line_of(data, exc.start)) from None
    return "gb18030"


def decode_text(data: bytes) -> str:
    """The text of a file in the one encoding it is written in (see detect_encoding); raises DecodeProblem."""
    return decoded(data)[0]


def decoded(data: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was written in (see decode_text)."""
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:  # a UTF-16 file cut in the middle of a character
        raise DecodeProblem(encoding, _line_of(data, exc.start)) from None
    return text.removeprefix("\ufeff"), encoding


#: how much of a streamed file is decoded at once
CHUNK = 1 << 24


def check_decodes(path: Path) -> None:
    """Raise DecodeProblem at the line of the first bad byte of a file too large to hold decoded, its
    encoding decided from the first chunk's whole lines as `detect_encoding` decides it for a whole file."""
    with path.open("rb") as f:
        first = f.read(CHUNK)
        encoding = detect_encoding(first[: first.rfind(b"\n") + 1] or first)
        f.seek(0)
        _transcode(_chunks(f, path.stat().st_size), encoding, None)


def _transcode(chunks: Iterator[bytes], encoding: str, out: BinaryIO | None, digest: Any = None) -> None:
    """Decode `chunks` (written to `out` as UTF-8 where given), fed to `digest` as they pass; raises
    DecodeProblem at the line, counted from the first chunk, of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0
    for chunk in chunks:
        if digest is not None:
            digest.update(chunk)
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise DecodeProblem(encoding, lines + _line_of(chunk, exc.start)) from None
        lines += chunk.count(b"\n")
        if out is not None:
            out.write(text.encode("utf-8"))
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:  # cut in the middle of a character
        raise DecodeProblem(encoding, lines + 1) from None


#: a GB18030 export at least this large is transcoded in two halves at once, one in a forked child
SPLIT_MIN = 1 << 26


def transcode_file(path: Path, encoding: str, folder: Path, skip: int) -> tuple[list[Path], str]:
    """The text of the file at `path`, in `encoding`, as UTF-8 files in `folder` that read as one when
    `skip` lines are skipped at the start of each (the title and header rows: each file after the first
    starts with as many empty lines); and the file's SHA-256.

    Python decodes GB18030 at about 170 MB/s on one core, so a large GBK export is split after a line break
    (0x0A is never part of a GB18030 character) and its second half decoded in a forked child meanwhile.
    Raises DecodeProblem at the line of the first bad byte."""
    from .isolate import ReaderCrashed, ReaderFailed, can_isolate, start_isolated  # multiprocessing: not at start-up

    size = path.stat().st_size
    digest = hashlib.sha256()
    parts = [folder / "utf8.csv"]
    half: Pending[int | None] | None = None
    with path.open("rb") as f, parts[0].open("wb") as sink:
        mid = size
        if encoding == "gb18030" and size >= SPLIT_MIN and can_isolate():
            f.seek(size // 2)
            mid = size // 2 + len(f.readline())
            f.seek(0)
            parts.append(folder / "utf8-2.csv")
            half = start_isolated(_transcode_range, path, mid, size, encoding, parts[1], skip, size=CHUNK)
        try:
            _transcode(_chunks(f, mid), encoding, sink, digest)
        except DecodeProblem:
            if half is not None:
                half.stop()
            raise
        for chunk in _chunks(f, size):
            digest.update(chunk)
    if half is not None:
        try:
            bad = half.result()
        except (ReaderCrashed, ReaderFailed):  # transcoded here after all
            bad = half.run_here()
        if bad is not None:
            raise DecodeProblem(encoding, _lines_before(path, mid) + bad)
    return parts, digest.hexdigest()


def _transcode_range(path: Path, start: int, end: int, encoding: str, out: Path, skip: int) -> int | None:
    """In the child: bytes `start`..`end` of the file to `out` as UTF-8, after `skip` empty lines; the line
    of the first bad byte, counted from `start`, or None."""
    with path.open("rb") as f, out.open("wb") as sink:
        sink.write(b"\n" * skip)
        f.seek(start)
        try:
            _transcode(_chunks(f, end), encoding, sink)
        except DecodeProblem as problem:
            return problem.line
    return None


def _lines_before(path: Path, end: int) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in _chunks(f, end))


def _chunks(f: BinaryIO, end: int) -> Iterator[bytes]:
    """The file's chunks from where it stands up to byte `end`."""
    left = end - f.tell()
    while left > 0 and (chunk := f.read(min(CHUNK, left))):
        left -= len(chunk)
        yield chunk
