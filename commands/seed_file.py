"""Appending a registered client to a YAML seed file, in the shape 'clientreg import' replays.

The file keeps what it had, comments included: the new client is inserted as text after the last
entry of its ``clients:`` list (the list is created when missing). Only shapes that cannot be
edited as text (a flow-style ``clients: [...]`` with entries, a flow-style document) are rewritten
from their data, which drops comments. Writes go to a temporary file that replaces the original,
so an interrupted write never leaves half a file; a new file is readable by its owner only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clientreg.errors import UnreadableInput

# client_data() fields that describe the record rather than the registration.
_NOT_REPLAYED = ("active", "created_at", "updated_at", "history")


def seed_entry(document: dict[str, Any]) -> dict[str, Any]:
    """A client's data (records.client_data) reduced to what an import registers."""
    return {key: value for key, value in document.items() if key not in _NOT_REPLAYED}


def check_seed_file(path: Path) -> None:
    """Fail before registering anything if FILE could not take the client afterwards."""
    _parse(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UnreadableInput("unwritable-file/no-folder", field="--save-as", value=str(path),
                              path=path)
    from clientreg.commands.outputs import OutputFile

    try:  # a real attempt, which a read-only file system refuses even to root
        OutputFile.open(path).discard()
    except OSError as exc:
        raise _unwritable(path, exc) from None


def _unwritable(path: Path, exc: OSError) -> UnreadableInput:
    return UnreadableInput("unwritable-file", field="--save-as", value=str(path), path=path,
                           detail=exc.strerror or str(exc))


def append_client(path: Path, document: dict[str, Any]) -> None:
    """Add one client (seed shape) at the end of FILE's clients: list, creating what is missing."""
    from clientreg.schemas.writers import yaml_text

    text, root = _parse(path)
    item = yaml_text([seed_entry(document)])
    _write_atomically(path, _with_client(text, root, item))


def _parse(path: Path) -> tuple[str, Any]:
    """The file's text and its YAML node tree (None when missing, empty or only comments)."""
    import yaml

    if not path.exists():
        return "", None
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UnreadableInput("unreadable-file/seed-file", field="--save-as", value=str(path),
                              path=path, detail=str(exc)) from None
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise UnreadableInput("unreadable-file/not-a-seed-document", field="--save-as",
                              value=str(path), path=path)
    clients = _clients_node(root)
    if clients is not None and not isinstance(clients, yaml.SequenceNode) and not (
            isinstance(clients, yaml.ScalarNode) and clients.tag.endswith(":null")):
        raise UnreadableInput("unreadable-file/clients-not-a-list", field="--save-as",
                              value=str(path), path=path)
    return text, root


def _clients_node(root: Any) -> Any:
    if root is None:
        return None
    for key, value in root.value:
        if getattr(key, "value", None) == "clients":
            return value
    return None


def _with_client(text: str, root: Any, item: str) -> str:
    import yaml

    clients = _clients_node(root)
    if root is not None and root.flow_style or (
            isinstance(clients, yaml.SequenceNode) and clients.flow_style and clients.value):
        return _rewritten(text, item)
    if clients is None:
        prefix = text if not text or text.endswith("\n") else text + "\n"
        return prefix + "clients:\n" + item
    if isinstance(clients, yaml.ScalarNode) or not clients.value:  # clients: / ~ / []
        start, end = clients.start_mark.index, clients.end_mark.index
        return text[:start].rstrip(" ") + "\n" + item + text[end:].lstrip(" ").lstrip("\n")
    last = clients.value[-1]
    at = _end_of_content(text, last.end_mark.index)
    indent = " " * _dash_column(text, clients.value[0])
    block = "".join(indent + line if line.strip() else line
                    for line in item.splitlines(keepends=True))
    head = text[:at] if text[:at].endswith("\n") else text[:at] + "\n"
    return head + block + text[at:]


def _end_of_content(text: str, end: int) -> int:
    """Where the last entry's own lines end: before the blank and comment lines PyYAML counts
    into it."""
    lines = text[:end].splitlines(keepends=True)
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return sum(len(line) for line in lines)


def _dash_column(text: str, first_item: Any) -> int:
    line_start = text.rfind("\n", 0, first_item.start_mark.index) + 1
    column = text[line_start:first_item.start_mark.index].rfind("-")
    return column if column >= 0 else max(first_item.start_mark.column - 2, 0)


def _rewritten(text: str, item: str) -> str:
    from clientreg.schemas.readers_document import parse_yaml
    from clientreg.schemas.writers import yaml_text

    def load_text(source: str) -> Any:
        return parse_yaml(source.encode("utf-8"), file="--save-as")

    data = load_text(text) or {}
    data.setdefault("clients", [])
    data["clients"] = list(data["clients"] or []) + load_text(item)
    return yaml_text(data)


def _write_atomically(path: Path, text: str) -> None:
    """The old text and the new client, copied into a temporary file that then replaces FILE."""
    from clientreg.commands.outputs import output_file

    try:
        with output_file(path) as pending:
            pending.stream.write(text.encode("utf-8"))
    except OSError as exc:
        raise _unwritable(path, exc) from None
