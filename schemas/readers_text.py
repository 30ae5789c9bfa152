"""The text of CSV and TSV files: which encoding and delimiter they use, and that they are text.

CSV encoding: a byte-order mark decides, else UTF-8 if every byte is valid UTF-8. Otherwise
charset-normalizer chooses, from a sample of the file's lines, among the encodings spreadsheet
programs write a CSV in: UTF-16 without a mark (a NUL in every other byte), cp1252 (Windows, or
latin-1 where a byte is undefined in cp1252), Mac Roman (Excel and LibreOffice on a Mac) and
ISO-8859-15. Of the readings the detector finds about as plausible, those with the fewest
letters turned into marks inside words (``_odd_characters``: "CafŽ Mart’n") remain; when two of
them still read the sample as different text, the file is refused, naming both, rather than read
by a guess.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
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

DETECT_SCAN_BYTES = 256 * 1024
"""How much of the start of a file that is not UTF-8 is looked at for its encoding: its header and
the lines that hold non-ASCII bytes (read on past it, to the first such lines, when it holds
none)."""

DETECT_SAMPLE_BYTES = 64 * 1024
"""Most bytes of those lines handed to the encoding detector."""

CLOSE_CHAOS = 1.0
"""Two readings whose chaos (charset-normalizer's percentage of implausible text) differs by no
more than this are both plausible."""

SINGLE_BYTE_ENCODINGS = ("cp1252", "mac-roman", "iso8859-15")
"""The encodings a CSV that is not UTF-8 is detected among, the likeliest first; ``--encoding``
reads any other. Central and Eastern European code pages (cp1250, ...) are left out: they read
Spanish text as other letters (Muñoz as Muńoz) the detector finds just as plausible."""

WIDE_ENCODINGS = ("utf_16_le", "utf_16_be")
"""The encodings of a file without a byte-order mark that has a NUL in every other byte."""

WIDE_NUL_SHARE = 0.3
"""Share of a sample's bytes that are NUL, nearly all at even or all at odd offsets, from which a
file without a mark is taken for UTF-16 (ASCII text in UTF-16 is half NULs)."""

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

    Given no encoding: a UTF-8 (or UTF-16) byte-order mark decides; a start with a NUL in every
    other byte is UTF-16 without a mark, little- or big-endian as charset-normalizer confirms;
    otherwise the whole file is tried as UTF-8 (one pass over the bytes, the only one a UTF-8
    file costs), and if it is not, ``detect_encoding`` tells from a sample of its lines. Then
    back to the start.
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
    elif encoding is None and b"\0" in first:
        encoding = _detect_wide(first)
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
    detected = detect_encoding(binary, file=file, cp1252_undefined=scan.cp1252_undefined)
    binary.seek(0)
    return detected


def detect_encoding(binary: BinaryIO, *, file: str, cp1252_undefined: bool) -> str:
    """The encoding of a file that is neither marked nor UTF-8, by charset-normalizer.

    Read from the start: a sample of its lines with non-ASCII bytes. An encoding whose reading
    holds control characters is out; of the rest, one reading as other text than the best one
    and about as plausible (chaos within ``CLOSE_CHAOS``) makes the file ambiguous, refused
    naming both encodings.
    """
    from charset_normalizer import from_bytes

    sample = _detection_sample(binary)
    candidates = ["latin-1" if cp1252_undefined else SINGLE_BYTE_ENCODINGS[0],
                  *SINGLE_BYTE_ENCODINGS[1:]]
    # The name each candidate has here, by the name of its codec (charset-normalizer's own
    # names are Python's codec module names: latin_1, mac_roman).
    named = {codecs.lookup(name).name: name for name in candidates}
    matches = from_bytes(sample, steps=1, chunk_size=max(len(sample), 1),
                         cp_isolation=candidates, preemptive_behaviour=False)
    readings: list[tuple[float, int, str, str]] = []
    for match in matches:
        name = named.get(codecs.lookup(match.encoding).name)
        text = str(match)
        if name is not None and not _has_control_characters(text):
            readings.append((match.percent_chaos, candidates.index(name), name, text))
    if not readings:
        # No candidate reads it as text: cp1252 (or latin-1), as Spanish-locale Excel saves,
        # the likeliest; the reader shows what it makes of the file.
        return candidates[0]
    readings.sort()
    least = readings[0][0]
    plausible = [reading for reading in readings if reading[0] - least <= CLOSE_CHAOS]
    if len(plausible) > 1:
        # The detector's chaos misses letters misread as marks inside a word (Mac Roman's
        # "Café Martín" read as cp1252 is "CafŽ Mart’n", chaos 0): of its plausible readings,
        # those with the fewest such oddities remain.
        odd = {name: _odd_characters(text) for _, _, name, text in plausible}
        fewest = min(odd.values())
        plausible = [reading for reading in plausible if odd[reading[2]] == fewest]
    _, _, best, text = plausible[0]
    for _, _, other, other_text in plausible[1:]:
        if other_text != text:
            raise UnreadableInput("unreadable-file/ambiguous-encoding", value=file, file=file,
                                  encoding=best, other=other)
    return best


# Marks a word may hold between its letters: apostrophes (d’Enginyers, O'Brien), the Catalan
# middle dot (col·legi) and hyphens.
_WORD_MARKS = frozenset("'\u2019\u00b7-\u2010\u2011")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _odd_characters(text: str) -> int:
    """How many non-ASCII characters of a reading sit where no language writes them: a mark
    or symbol between two letters (Mu–oz, M¸ller) or a capital right after a small letter
    (CafŽ). A wrong single-byte encoding turns letters into such characters."""
    odd = 0
    for found in _NON_ASCII.finditer(text):
        at = found.start()
        char = text[at]
        before = text[at - 1] if at else " "
        if char.isalpha():
            odd += char.isupper() and before.islower()
        elif char not in _WORD_MARKS:
            after = text[at + 1] if at + 1 < len(text) else " "
            odd += before.isalpha() and after.isalpha()
    return odd


def _has_control_characters(text: str) -> bool:
    """Whether the text holds a C0 or C1 control other than tab and line ends, which no
    spreadsheet writes into a CSV: a reading that yields one is the wrong encoding."""
    return any(unicodedata.category(char) == "Cc" and char not in "\t\r\n"
               for char in set(text))


def _detection_sample(binary: BinaryIO) -> bytes:
    """The header line and each distinct line holding non-ASCII bytes, up to
    ``DETECT_SAMPLE_BYTES``, from the first ``DETECT_SCAN_BYTES`` of the file, or from further
    on if these hold none. Only those lines: in the rest every encoding reads the same."""
    binary.seek(0)
    chunk = binary.read(DETECT_SCAN_BYTES)
    chunk += binary.readline()  # the last line whole
    header, *_ = chunk.splitlines() or [b""]
    lines: dict[bytes, None] = {header: None}
    size = len(header)
    while chunk and size < DETECT_SAMPLE_BYTES:
        for line in chunk.splitlines():
            if not line.isascii() and line not in lines:
                lines[line] = None
                size += len(line) + 1
                if size >= DETECT_SAMPLE_BYTES:
                    break
        if len(lines) > 1:
            break
        chunk = binary.read(SCAN_CHUNK_BYTES)
        chunk += binary.readline() if chunk else b""
    return b"\n".join(lines)[:DETECT_SAMPLE_BYTES]


def _detect_wide(first: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` for a start of a file, without a mark, whose NULs fall
    in alternate bytes and that charset-normalizer reads as such; None for any other."""
    sample = first[: DETECT_SAMPLE_BYTES]
    sample = sample[: len(sample) - len(sample) % 2]
    if not sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if (even + odd) < WIDE_NUL_SHARE * len(sample) or min(even, odd) > 0.05 * max(even, odd):
        return None
    from charset_normalizer import from_bytes

    wanted = "utf_16_be" if even > odd else "utf_16_le"
    try:
        sample.decode(wanted)
    except UnicodeDecodeError:
        # UTF-16 by its NULs, with a broken character: read as such, the reader names its line.
        return text_encoding(wanted)
    best = from_bytes(sample, steps=1, chunk_size=len(sample),
                      cp_isolation=list(WIDE_ENCODINGS), preemptive_behaviour=False).best()
    if best is None or best.encoding != wanted:
        return None
    return text_encoding(wanted)


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
