"""The text of CSV and TSV files: which encoding and delimiter they use, and that they are text.

CSV encoding is not guessed: a byte-order mark decides, else UTF-8 if every byte is valid UTF-8,
else cp1252 (latin-1 when a byte is undefined in cp1252).
"""

from __future__ import annotations

import codecs
import csv
import io
from typing import BinaryIO, NamedTuple

from clientreg.errors import UnreadableInput

DELIMITERS = ",;\t|"
"""The delimiters detected. Any other one must be given explicitly."""

HEADER_SCAN_BYTES = 64 * 1024
"""How much of the file is read to find the header line, against which the delimiter is checked."""

SNIFF_CHARS = 4 * 1024
"""How much of the file csv.Sniffer looks at. Its quote detection takes time quadratic in the
sample (a 64 KiB sample of quoted empty cells takes 20 seconds; 4 KiB takes a tenth of one), and
a few dozen lines settle the delimiter."""

SCAN_CHUNK_BYTES = 1024 * 1024

# Bytes that cp1252 leaves undefined; a file holding them is read as latin-1 instead.
_CP1252_UNDEFINED = b"\x81\x8d\x8f\x90\x9d"
_WIDE_ENCODINGS = ("utf-16", "utf-32")
_WIDE_BOMS = {
    "utf-16": (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE),
    "utf-32": (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE),
}


# Codecs Python counts as text encodings that no file is written in: they turn text into
# other text (host names, escapes) or refuse everything, and fail in ways a decoder does not.
_NOT_FILE_ENCODINGS = frozenset(
    {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined"})


class NotTextEncoding(ValueError):
    """A codec that exists but does not turn a file's bytes into text (base64, zip, rot13)."""


def text_encoding(name: str) -> str:
    """The codec's canonical name when ``name`` is an encoding a text file can be in.

    Raises LookupError for a name Python does not know, ``NotTextEncoding`` for a codec that
    is no text encoding. The test is the flag ``bytes.decode`` itself checks before refusing
    such a codec ("is not a text encoding"): ``CodecInfo._is_text_encoding``, set to False by
    every bytes-to-bytes and text-to-text codec of the standard library (base64, bz2, hex,
    quopri, uu, zlib, rot13). It is underscored but part of ``CodecInfo``'s signature since
    Python 3.4; a codec without it is taken as text, as ``bytes.decode`` takes it.
    """
    info = codecs.lookup(name)
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_FILE_ENCODINGS:
        raise NotTextEncoding(info.name)
    return info.name


def choose_encoding(binary: BinaryIO, *, file: str, encoding: str | None) -> str:
    """The encoding to read the file with, after checking it is text at all.

    Given no encoding: a UTF-8 (or UTF-16) byte-order mark decides; otherwise the whole file is
    tried as UTF-8, and if it is not, it is cp1252 (as Spanish-locale Excel saves), or latin-1
    when it holds a byte cp1252 does not define. One pass over the bytes, then back to the start.
    """
    if encoding is not None:
        try:
            encoding = text_encoding(encoding)
        except LookupError:
            raise UnreadableInput("unreadable-file/unknown-encoding", value=file, file=file,
                                  encoding=encoding) from None
        except NotTextEncoding:
            raise UnreadableInput("unreadable-file/not-text-encoding", value=file, file=file,
                                  encoding=encoding) from None
    first = binary.read(SCAN_CHUNK_BYTES)
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and encoding is None:
        encoding = "utf-16"
    if encoding is not None and encoding.startswith(_WIDE_ENCODINGS):
        if len(first) <= 2:
            raise UnreadableInput("unreadable-file/empty", value=file, file=file)
        if encoding in _WIDE_ENCODINGS and not first.startswith(_WIDE_BOMS[encoding]):
            # Without a mark the byte order is anyone's guess, and a wrong guess reads as text.
            raise UnreadableInput("unreadable-file/no-byte-order-mark", value=file, file=file,
                                  encoding=encoding)
        _scan_wide_text(binary, file=file, encoding=encoding)
        return encoding
    has_bom = first.startswith(codecs.BOM_UTF8)
    if len(first) == (3 if has_bom else 0):
        raise UnreadableInput("unreadable-file/empty", value=file, file=file)
    if first.startswith(b"PK\x03\x04"):
        raise UnreadableInput("unreadable-file/zip-not-csv", value=file, file=file)
    scan = _scan_bytes(binary, first, file=file)
    binary.seek(0)
    if encoding is not None:
        return encoding
    if has_bom:
        if not scan.utf8:
            raise UnreadableInput("unreadable-file/bad-utf8-mark", value=file, file=file)
        return "utf-8-sig"
    if scan.utf8:
        return "utf-8"
    return "latin-1" if scan.cp1252_undefined else "cp1252"


class ByteScan(NamedTuple):
    """What one pass over a file's bytes found."""

    utf8: bool
    """Every byte is part of valid UTF-8."""
    cp1252_undefined: bool
    """Some byte is one cp1252 leaves undefined."""


def _scan_bytes(binary: BinaryIO, first: bytes, *, file: str) -> ByteScan:
    """Whether all the bytes are UTF-8, and whether any is undefined in cp1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, undefined, offset, chunk = True, False, 0, first
    while chunk:
        nul = chunk.find(b"\0")
        if nul >= 0:
            line = _line_number(binary, offset + nul)
            raise UnreadableInput("unreadable-file/nul-byte", value=file, file=file, line=line)
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        # Deleting the bytes and comparing lengths runs several times faster than a search.
        undefined = undefined or len(chunk.translate(None, _CP1252_UNDEFINED)) != len(chunk)
        offset += len(chunk)
        chunk = binary.read(SCAN_CHUNK_BYTES)
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return ByteScan(utf8, undefined)


def _scan_wide_text(binary: BinaryIO, *, file: str, encoding: str) -> None:
    """Check a UTF-16 or UTF-32 file decodes and holds no NUL character, then rewind it.

    NUL bytes are ordinary in these encodings, so the characters are checked instead.
    """
    binary.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    while chunk := binary.read(SCAN_CHUNK_BYTES):
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError:
            raise undecodable(binary, file=file, encoding=encoding) from None
        nul = text.find("\0")
        if nul >= 0:
            line += text.count("\n", 0, nul)
            raise UnreadableInput("unreadable-file/nul-character", value=file, file=file,
                                  line=line)
        line += text.count("\n")
    binary.seek(0)


def _line_number(binary: BinaryIO, offset: int) -> int:
    """The line a byte offset falls on, counted again from the start (only to report it)."""
    binary.seek(0)
    newlines = 0
    while offset > 0:
        chunk = binary.read(min(offset, SCAN_CHUNK_BYTES))
        if not chunk:
            break
        newlines += chunk.count(b"\n")
        offset -= len(chunk)
    return newlines + 1


def undecodable(binary: BinaryIO, *, file: str, encoding: str) -> UnreadableInput:
    """The error for a file the given encoding cannot read, naming the line of the first
    offending byte. Reads the file again from the start, since only the bytes can tell."""
    binary.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    while chunk := binary.read(SCAN_CHUNK_BYTES):
        try:
            line += decoder.decode(chunk).count("\n")
        except UnicodeDecodeError as err:
            line += err.object[: err.start].decode(encoding, errors="replace").count("\n")
            byte = err.object[err.start : err.start + 1].hex()
            return UnreadableInput("unreadable-file/undecodable-line", value=file, file=file,
                                   line=line, encoding=encoding, byte=byte)
    return UnreadableInput("unreadable-file/undecodable", value=file, file=file,
                           encoding=encoding)


def choose_delimiter(binary: BinaryIO, encoding: str) -> str:
    """The delimiter among ``DELIMITERS``, from csv.Sniffer checked against the header line."""
    # Decoded leniently: a byte the encoding rejects is reported later, with its row.
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    head = decoder.decode(binary.read(HEADER_SCAN_BYTES))
    binary.seek(0)
    lines = list(io.StringIO(head, newline=""))
    if len(lines) > 1 and not lines[-1].endswith(("\r", "\n")):
        lines.pop()  # cut short by the read
    header = next((line for line in lines if line.strip()), "")
    sample = lines[0] if lines else ""
    for line in lines[1:]:
        if len(sample) + len(line) > SNIFF_CHARS:
            break
        sample += line
    try:
        sniffed = csv.Sniffer().sniff(sample[:SNIFF_CHARS], delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    # The Sniffer prefers "," whenever commas are frequent in the data, even in a ";" file whose
    # header holds none; a delimiter missing from the header line cannot be the right one.
    in_header = [d for d in DELIMITERS if d in header]
    if sniffed and (sniffed in header or not in_header):
        return sniffed
    return max(in_header, key=header.count) if in_header else ","
