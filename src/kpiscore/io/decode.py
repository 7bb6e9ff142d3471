"""One decoding path for every text file kpiscore reads: schemes, plans, CSV/TSV and Unicode-text exports.

Chinese Windows writes UTF-8 with a BOM, GBK/GB18030 without one, and Excel's "Unicode text" is UTF-16.
The encoding is decided for the whole file from its bytes, so a UTF-8 file with one damaged byte is
reported at that line instead of being silently re-read as GB18030 mojibake.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

#: BOMs, longest first (a UTF-32 BOM starts like a UTF-16 one)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class DecodeProblem(Exception):
    """The bytes are not text in any encoding kpiscore reads; `line` is where the first bad byte sits."""

    encoding: str
    line: int


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


def stream_utf8(chunks: Iterator[bytes], out: BinaryIO | None) -> tuple[str, str]:
    """A text file read a chunk at a time, for exports too large to hold decoded: its encoding (decided
    from the first chunk's whole lines as `detect_encoding` decides it for a whole file) and its SHA-256.
    Unless it is UTF-8 already, its text is written to `out` as UTF-8. Raises DecodeProblem at the line of
    the first bad byte."""
    digest = hashlib.sha256()
    first = next(chunks, b"")
    whole = first[: first.rfind(b"\n") + 1] or first
    encoding = detect_encoding(whole)
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0
    for chunk in itertools.chain([first], chunks):
        digest.update(chunk)
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise DecodeProblem(encoding, lines + _line_of(chunk, exc.start)) from None
        lines += chunk.count(b"\n")
        if out is not None and not encoding.startswith("utf-8"):
            out.write(text.encode("utf-8"))
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:  # cut in the middle of a character
        raise DecodeProblem(encoding, lines + 1) from None
    return encoding, digest.hexdigest()

