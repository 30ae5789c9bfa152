"""SQL of the run ledger: the runs, their inputs, and the history rows each run wrote."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

RUN_COLUMNS = ("id", "command", "version", "user_name", "started_at", "ended_at", "created",
               "updated", "unchanged", "skipped", "rejected", "counts", "left_alone")


def insert_run(conn: sqlite3.Connection, *, command: Sequence[str], version: str,
               user: str | None, started_at: str) -> int:
    cursor = conn.execute(
        "INSERT INTO runs (command, version, user_name, started_at) VALUES (?, ?, ?, ?)",
        [_dumps(list(command)), version, user, started_at])
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def history_counts(conn: sqlite3.Connection, run_id: int) -> list[tuple[str, bool, int]]:
    """(entity, created, how many records) of the run's history: a record with a 'created' row
    counts as created, one with only other rows (updated, deactivated...) as changed."""
    return [(entity, bool(created), count) for entity, created, count in conn.execute(
        "SELECT entity, created, count(*) FROM (SELECT entity, "
        "max(CASE WHEN action = 'created' THEN 1 ELSE 0 END) AS created "
        "FROM history WHERE run_id = ? GROUP BY entity, entity_key) AS record "
        "GROUP BY entity, created",
        [run_id])]


def record_counts(conn: sqlite3.Connection, run_id: int) -> list[tuple[str, bool, int]]:
    """As history_counts, with a client and its company one record (entity 'client'): a
    client counts as created when its company or its registration was, else as changed."""
    return [(entity, bool(created), count) for entity, created, count in conn.execute(
        "SELECT kind, created, count(*) FROM (SELECT CASE entity WHEN 'company' THEN 'client' "
        "ELSE entity END AS kind, max(CASE WHEN action = 'created' THEN 1 ELSE 0 END) AS created "
        "FROM history WHERE run_id = ? GROUP BY kind, entity_key) AS record "
        "GROUP BY kind, created", [run_id])]


def history_keys(conn: sqlite3.Connection, run_id: int, entities: Sequence[str]) -> set[str]:
    """The keys of these entities that the run's history rows are about."""
    marks = ", ".join("?" * len(entities))
    return {key for (key,) in conn.execute(
        f"SELECT DISTINCT entity_key FROM history WHERE run_id = ? AND entity IN ({marks})",
        [run_id, *entities])}


def finish_run(conn: sqlite3.Connection, run_id: int, *, ended_at: str, totals: dict[str, int],
               counts: dict[str, Any], left_alone: dict[str, Any],
               inputs: Sequence[tuple[str, str, int]]) -> None:
    conn.execute(
        "UPDATE runs SET ended_at = ?, created = ?, updated = ?, unchanged = ?, skipped = ?, "
        "rejected = ?, counts = ?, left_alone = ? WHERE id = ?",
        [ended_at, totals["created"], totals["updated"], totals["unchanged"], totals["skipped"],
         totals["rejected"], _dumps(counts), _dumps(left_alone), run_id])
    conn.executemany(
        "INSERT INTO run_inputs (run_id, position, path, sha256, size) VALUES (?, ?, ?, ?, ?)",
        [(run_id, position, path, digest, size)
         for position, (path, digest, size) in enumerate(inputs, start=1)])


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _run_row(values: Sequence[Any]) -> dict[str, Any]:
    row = dict(zip(RUN_COLUMNS, values, strict=True))
    for key in ("command", "counts", "left_alone"):
        row[key] = json.loads(row[key])
    return row


def runs(conn: sqlite3.Connection, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Every run, newest first."""
    query = f"SELECT {', '.join(RUN_COLUMNS)} FROM runs ORDER BY id DESC"
    if limit is not None:
        query += f" LIMIT {int(limit)}"
    return [_run_row(values) for values in conn.execute(query)]


def run(conn: sqlite3.Connection, run_id: int) -> dict[str, Any] | None:
    values = conn.execute(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE id = ?",
                          [run_id]).fetchone()
    return _run_row(values) if values else None


def inputs_of(conn: sqlite3.Connection, run_id: int) -> list[dict[str, Any]]:
    return [{"path": path, "sha256": digest, "bytes": size} for path, digest, size in conn.execute(
        "SELECT path, sha256, size FROM run_inputs WHERE run_id = ? ORDER BY position",
        [run_id])]


def history_of_run(conn: sqlite3.Connection, run_id: int) -> list[dict[str, Any]]:
    """The history rows a run wrote, in the order it wrote them."""
    return [{"entity": entity, "entity_key": key, "action": action, "changes": json.loads(changes)}
            for entity, key, action, changes in conn.execute(
                "SELECT entity, entity_key, action, changes FROM history WHERE run_id = ? "
                "ORDER BY id", [run_id])]
