"""The run ledger: every command that writes is a run, recorded with what it wrote.

A ``RunLedger`` set on a store (``store.ledger``) records one run in each write transaction of
that store, inside the transaction: the command line (passwords masked), each input's path and
SHA-256, clientreg's version, the user, start and end time, and counts. A transaction rolled
back (a dry run, a rejected import, an interruption) leaves no run, as it leaves nothing else.
History rows point at the run that wrote them (``history.run_id``).
"""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from clientreg import __version__
from clientreg.clock import now
from clientreg.errors import NotFound, shown
from clientreg.storage import Store
from clientreg.storage import run_sql as sql

ACTIONS = ("created", "updated", "unchanged", "skipped")
TOTALS = (*ACTIONS, "rejected")
# A run's counts are of the records it is about: its clients (with their companies, and the
# companies without a client); for a run that touched none, the catalogue entries, then the
# external users it changed.
_COUNTED = (("client",), ("company_type", "category"), ("external_user",))
_SAME_RECORD = {"client": ("client", "company"), "company": ("client", "company")}
_RECORD_OF = {"company": "client"}
# Looked for after each "://" only, so a huge argument costs one pass.
_PASSWORD = re.compile(r"(?<=://)(?P<user>[^:/@\s]*):[^@/\s]*@")
MASK = "***"


def masked(argument: str) -> str:
    """A command-line argument with the password of any URL in it (scheme://user:pw@) masked."""
    if "://" not in argument:
        return argument
    return _PASSWORD.sub(lambda match: f"{match.group('user')}:{MASK}@", argument)


def current_user() -> str | None:
    """The name of the user running clientreg; None when the system cannot tell."""
    try:
        return getpass.getuser()
    except Exception:  # no login name, no passwd entry: a run without a user is still a run
        uid = getattr(os, "getuid", None)
        return str(uid()) if uid is not None else None


@dataclass(frozen=True)
class RunInput:
    """A file a run read: its path as given, and the SHA-256 and size of the bytes read."""

    path: str
    sha256: str
    size: int


def file_input(path: str) -> RunInput:
    """A file's path with the SHA-256 of its bytes."""
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
        size = handle.tell()
    return RunInput(path, digest.hexdigest(), size)


class HashedReader:
    """A binary stream (standard input) that hashes what is read from it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.hash = hashlib.sha256()
        self.size = 0

    def read(self, size: int | None = -1) -> bytes:
        data = self.stream.read(-1 if size is None else size)
        self._seen(data)
        return data

    def read1(self, size: int = -1) -> bytes:
        reader = getattr(self.stream, "read1", self.stream.read)
        data = reader(size)
        self._seen(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(memoryview(buffer)))
        memoryview(buffer).cast("B")[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        data = self.stream.readline(-1 if size is None else size)
        self._seen(data)
        return data

    def _seen(self, data: bytes) -> None:
        self.hash.update(data)
        self.size += len(data)

    def input(self, path: str) -> RunInput:
        return RunInput(path, self.hash.hexdigest(), self.size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@dataclass
class RunLedger:
    """Records the run of one command in every write transaction of its store."""

    command: list[str]
    version: str = __version__
    user: str | None = field(default_factory=current_user)
    started_at: str = field(default_factory=now)
    inputs: list[RunInput] = field(default_factory=list)
    rejected: int = 0
    run_id: int | None = None
    _left: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    _changed: dict[str, set[str]] = field(default_factory=dict)
    """Records changed through others' rows only (a client whose contact's phone changed)."""

    @classmethod
    def of(cls, command: Sequence[str]) -> RunLedger:
        return cls([masked(argument) for argument in command])

    def opened(self, conn: sqlite3.Connection) -> None:
        self._left = {}
        self.run_id = sql.insert_run(conn, command=self.command,
                                     version=self.version, user=self.user,
                                     started_at=self.started_at)

    def left(self, entity: str, key: str, action: str) -> None:
        self._left.setdefault(entity, {}).setdefault(action, []).append(key)

    def changed(self, entity: str, key: str) -> None:
        self._changed.setdefault(entity, set()).add(key)

    def closing(self, conn: sqlite3.Connection) -> None:
        assert self.run_id is not None
        counts: dict[str, dict[str, int]] = {}
        for entity, created, count in sql.history_counts(conn, self.run_id):
            counts.setdefault(entity, {})["created" if created else "updated"] = count
        records: dict[str, dict[str, int]] = {}
        for entity, created, count in sql.record_counts(conn, self.run_id):
            records.setdefault(entity, {})["created" if created else "updated"] = count
        for entity, touched in self._changed.items():
            # A client changed only through its contacts has no history row of its own.
            unseen = touched - sql.history_keys(conn, self.run_id,
                                             _SAME_RECORD.get(entity, (entity,)))
            if unseen:
                for table in (counts, records):
                    tally = table.setdefault(entity, {})
                    tally["updated"] = tally.get("updated", 0) + len(unseen)
        left_alone: dict[str, dict[str, list[str]]] = {}
        left_records: dict[str, dict[str, set[str]]] = {}
        for entity, by_action in self._left.items():
            # A record left alone by one step and changed by another (a seed's entry given with
            # active: false, deactivated after it was found unchanged) was changed.
            changed = sql.history_keys(conn, self.run_id, _SAME_RECORD.get(entity, (entity,)))
            for action, keys in by_action.items():
                kept = sorted({key for key in keys if key not in changed})
                if kept:
                    left_alone.setdefault(entity, {})[action] = kept
                    counts.setdefault(entity, {})[action] = len(kept)
                    left_records.setdefault(_RECORD_OF.get(entity, entity), {}).setdefault(
                        action, set()).update(kept)
        for entity, kept_keys in left_records.items():  # a client and its company: one record
            for action, distinct in kept_keys.items():
                records.setdefault(entity, {})[action] = len(distinct)
        totals = dict.fromkeys(TOTALS, 0)
        for entities in _COUNTED:
            if any(entity in records for entity in entities):
                for entity in entities:
                    for action, count in records.get(entity, {}).items():
                        totals[action] += count
                break
        totals["rejected"] = self.rejected
        sql.finish_run(conn, self.run_id, ended_at=now(), totals=totals, counts=counts,
                       left_alone=left_alone,
                       inputs=[(i.path, i.sha256, i.size) for i in self.inputs])

    def closed(self) -> None:
        self.run_id = None
        self._left = {}
        self._changed = {}


# -- reading the ledger --------------------------------------------------------------------------


def run_summaries(store: Store) -> list[dict[str, Any]]:
    """Every run, newest first: id, times, command line, user, version and counts."""
    return [_summary(row) for row in sql.runs(store.conn)]


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "started_at": row["started_at"], "ended_at": row["ended_at"],
            "command": row["command"], "user": row["user_name"], "version": row["version"],
            "counts": {key: row[key] for key in TOTALS}}


def run_id_of(given: str) -> int:
    """The run id a person typed (``3``, ``#3``); NotFound when it cannot be one."""
    text = str(given).strip().lstrip("#")
    if not text.isascii() or not text.isdigit():
        raise NotFound("unknown-run", field="run", value=given, given=shown(given))
    return int(text)


def run_details(store: Store, given: str) -> dict[str, Any]:
    """A run's fields and inputs, and what it created, updated and left as it was: per entity,
    each record by its identifier (an external user by e-mail, a catalogue entry by code)."""
    run_id = run_id_of(given)
    row = sql.run(store.conn, run_id)
    if row is None:
        raise NotFound("unknown-run", field="run", value=given, given=shown(given))
    document = _summary(row)
    document["inputs"] = sql.inputs_of(store.conn, run_id)
    document["entities"] = row["counts"]
    records: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in sql.history_of_run(store.conn, run_id):
        key = (entry["entity"], entry["entity_key"])
        record = records.setdefault(key, {"entity": entry["entity"],
                                          "identifier": entry["entity_key"],
                                          "action": "updated", "steps": [], "fields": []})
        if entry["action"] == "created":
            record["action"] = "created"
        elif entry["action"] == "deleted":  # a revert removed what the run it undid created
            record["action"] = "removed"
        record["steps"].append(entry["action"])
        for name in entry["changes"]:
            if name not in record["fields"]:
                record["fields"].append(name)
    listed = list(records.values())
    for entity, by_action in sorted(row["left_alone"].items()):
        for action, keys in sorted(by_action.items()):
            listed += [{"entity": entity, "identifier": key, "action": action, "steps": [],
                        "fields": []} for key in keys]
    order = {action: index for index, action in enumerate(ACTIONS)}
    listed.sort(key=lambda r: (order.get(r["action"], len(order)), _ENTITY_ORDER.get(
        r["entity"], len(_ENTITY_ORDER)), r["identifier"]))
    document["records"] = listed
    return document


_ENTITY_ORDER = {entity: index for index, entity in enumerate(
    ("company_type", "category", "company", "client", "external_user"))}
