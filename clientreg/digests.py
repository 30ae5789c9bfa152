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


def _keys(chunk: Chunk) -> list[str | None]:
    if not isinstance(chunk, list):
        return chunk.keys()
    return [identifier_key(d.identifier or d.from_company or "")
            if d.digest is not None and (d.identifier or d.from_company) else None
            for d in chunk]


def _digest(chunk: Chunk, index: int) -> bytes | None:
    return chunk[index].digest if isinstance(chunk, list) else chunk.digest(index)


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
        keys = _keys(chunk)
        known = [key for key in keys if key is not None]
        stored = sql.digests_by_key(conn, known) if known else {}
        if not stored:
            yield chunk
            continue
        rest: list[int] = []
        source = None if isinstance(chunk, list) else chunk.input
        renamed: list[tuple[bytes | None, int]] = []
        for index, key in enumerate(keys):
            row = stored.pop(key, None) if key is not None else None  # a second entry: checked
            digest = _digest(chunk, index) if row is not None else None
            if row is not None and digest is not None and row[2] == stored_digest(
                    catalogue_key, digest):
                unchanged(row[0], _origin(chunk, index))
                if row[3] != source:
                    renamed.append((source, row[1]))
            else:
                rest.append(index)
        if renamed:
            sql.name_input(conn, renamed)
        if rest:
            yield chunk if len(rest) == len(keys) else _kept(chunk, rest)


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
