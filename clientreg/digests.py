"""Instant re-runs: a client imported again from the same content is left without checking it.

Each import keeps, for every client it creates, updates or finds unchanged, a digest of the
entry it came from (``ClientDraft.digest``, made by the file's reader from the cells as the file
gave them and from the options that decide how they are read) joined with a fingerprint of the
catalogue. The schema's triggers forget a client's digest as soon as anything changes the client,
whatever writes the change. So when an entry of a later import with ``--on-conflict skip`` or
``update`` has the digest stored for its identifier, the client is what that same content made of
it, in the same catalogue: it is reported unchanged, and its values are not checked again.

A table file's digests also name the file they came from (``DraftChunk.input``: its bytes, how
it was read, the catalogue). While every client of that file still holds a digest naming it,
the file itself is unchanged and so are all its clients: ``unchanged_input`` finds that without
reading a row of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from clientreg.model import ClientDraft, DraftChunk
from clientreg.rules import identifier_key
from clientreg.storage import client_sql as sql

if TYPE_CHECKING:
    import sqlite3

    from clientreg.catalogue import Catalogue

Chunk = list[ClientDraft] | DraftChunk


def fingerprint(catalogue: Catalogue) -> bytes:
    """What the catalogue is, as a key: a digest made under another catalogue never matches."""
    entries = (sorted(catalogue.types.items()), sorted(catalogue.categories.items()))
    return hashlib.blake2b(repr(entries).encode(), digest_size=16).digest()


def stored_digest(catalogue_key: bytes, digest: bytes) -> bytes:
    """The digest kept for a client: its entry's digest under this catalogue."""
    return hashlib.blake2b(digest, key=catalogue_key, digest_size=16).digest()


def _entries(chunk: Chunk) -> list[tuple[str, bytes] | None]:
    if not isinstance(chunk, list):
        return chunk.digests()
    return [(identifier_key(d.identifier or d.from_company or ""), d.digest)
            if d.digest is not None and (d.identifier or d.from_company) else None
            for d in chunk]


def _kept(chunk: Chunk, indexes: list[int]) -> Chunk:
    if isinstance(chunk, list):
        return [chunk[i] for i in indexes]
    return chunk.keep(indexes)


def _origin(chunk: Chunk, index: int) -> object:
    return chunk[index].origin if isinstance(chunk, list) else chunk.origin(index)


def split_unchanged(conn: sqlite3.Connection, catalogue_key: bytes, chunks: Iterable[Chunk],
                    unchanged: Callable[[str, object], None]) -> Iterator[Chunk]:
    """The chunks without their unchanged clients, each of which is handed to ``unchanged``
    (its identifier as registered, its entry's origin) as its chunk is read.

    An entry is unchanged when its identifier's client has the digest this entry would be
    stored under. A chunk whose entries are all unchanged is not passed on at all.
    """
    for chunk in chunks:
        entries = _entries(chunk)
        keyed = [entry for entry in entries if entry is not None]
        stored = sql.digests_by_key(conn, (key for key, _digest in keyed)) if keyed else {}
        if not stored:
            yield chunk
            continue
        rest: list[int] = []
        source = None if isinstance(chunk, list) else chunk.input
        renamed: list[tuple[bytes | None, int]] = []
        for index, entry in enumerate(entries):
            row = stored.get(entry[0]) if entry is not None else None
            if row is not None and entry is not None and row[2] == stored_digest(
                    catalogue_key, entry[1]):
                unchanged(row[0], _origin(chunk, index))
                del stored[entry[0]]  # a second entry of the same client is checked
                if row[3] != source:
                    renamed.append((source, row[1]))
            else:
                rest.append(index)
        if renamed:
            sql.name_input(conn, renamed)
        if rest:
            yield chunk if len(rest) == len(entries) else _kept(chunk, rest)


def unchanged_input(conn: sqlite3.Connection, key: bytes) -> tuple[str, int | None] | None:
    """The summary an import stored of an input (``remember_input``), and its run, when every
    client it gave a digest still holds it; None when the input is not known or a client
    changed since."""
    return sql.intact_input(conn, key)


def input_clients(conn: sqlite3.Connection, key: bytes) -> list[str]:
    """The identifiers of an unchanged input's clients."""
    return sql.input_clients(conn, key)


def remember_input(conn: sqlite3.Connection, key: bytes, clients: int, summary: str,
                   run_id: int | None) -> bool:
    """Remember an input just imported by a run, if each of its ``clients`` now holds a digest
    naming it (none was left without one: skipped, or without an identifier); True if so."""
    return sql.keep_input(conn, key, clients, summary, run_id)
