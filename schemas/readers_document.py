"""YAML and JSON documents: parsed safely, with limits on size, nesting and alias expansion."""

from __future__ import annotations

import json
import re
from typing import Any, BinaryIO

import yaml

from clientreg.errors import UnreadableInput

MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
"""Largest YAML or JSON document read (200 MiB); documents are parsed whole."""

MAX_NESTING = 100
"""Deepest nesting of lists and mappings accepted. A seed document needs about five levels."""

MAX_YAML_ALIASES = 100
"""Most YAML aliases (``*name``) a document may use."""

MAX_YAML_ALIAS_NODES = 1_000_000
"""Most values that aliases may add once written out in full. A handful of aliases can refer to
each other to stand for billions of values (the "billion laughs"); this bounds that."""

_SafeBase: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DocumentLoader(_SafeBase):  # type: ignore[misc, valid-type]
    """The safe YAML loader, narrowed to the values JSON has.

    Only ``true``/``false`` are booleans and only plain decimal numbers are numbers, so
    ``country: NO``, ``phone: 0612345``, ``opens: 10:30`` or ``since: 2024-01-05`` stay text as
    written; no tag beyond text, numbers, booleans, null, lists and mappings is constructed.
    """

    yaml_implicit_resolvers: dict = {}
    yaml_constructors = {
        tag: constructor
        for tag, constructor in yaml.SafeLoader.yaml_constructors.items()
        if tag is None
        or tag.rsplit(":", 1)[-1] in {"null", "bool", "int", "float", "str", "seq", "map"}
    }


DocumentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
DocumentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
DocumentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF))$"
        r"|^\.(?:nan|NaN|NAN)$"
    ),
    list("-+0123456789."),
)
DocumentLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
DocumentLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^<<$"), ["<"])


def read_document_bytes(binary: BinaryIO, *, file: str) -> bytes:
    """The whole document, refused when over ``MAX_DOCUMENT_BYTES`` or empty."""
    data = binary.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise UnreadableInput(
            f"{file}: larger than {MAX_DOCUMENT_BYTES:,} bytes; import it as CSV instead",
            value=file,
        )
    if not data.strip():
        raise UnreadableInput(f"{file}: the file is empty", value=file)
    return data


def parse_yaml(data: bytes, *, file: str) -> Any:
    """The YAML document, or UnreadableInput with the line of the mistake."""
    try:
        aliases = _count_aliases(data) if b"*" in data else 0
        if aliases > MAX_YAML_ALIASES:
            raise UnreadableInput(
                f"{file}: uses more than {MAX_YAML_ALIASES} YAML aliases (*name)", value=file
            )
        document = yaml.load(data, Loader=DocumentLoader)  # DocumentLoader is a safe loader
    except yaml.YAMLError as err:
        raise UnreadableInput(_yaml_reason(file, err), value=file) from None
    if document is None:
        raise UnreadableInput(f"{file}: the document is empty", value=file)
    _check_shape(document, file=file, aliases=aliases > 0)
    return document


def _count_aliases(data: bytes) -> int:
    count = 0
    for event in yaml.parse(data, Loader=DocumentLoader):
        if isinstance(event, yaml.AliasEvent):
            count += 1
            if count > MAX_YAML_ALIASES:
                break
    return count


def _yaml_reason(file: str, err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(err, "problem", None) or str(err)
    if isinstance(err, yaml.constructor.ConstructorError) and "constructor for the tag" in problem:
        tag = problem.rsplit(" ", 1)[-1].strip("'")
        return (
            f"{file}: the YAML tag {tag}{where} is not allowed; only text, numbers, true/false,"
            " null, lists and mappings are read"
        )
    return f"{file}: not valid YAML{where}: {problem}"


def parse_json(data: bytes, *, file: str) -> Any:
    """The JSON document, or UnreadableInput with the line of the mistake."""
    try:
        document = json.loads(data, parse_constant=_refuse_constant)
    except _NotJson as err:
        raise UnreadableInput(f"{file}: {err.args[0]} is not valid JSON (write it as text "
                              "or leave the value out)", value=file) from None
    except json.JSONDecodeError as err:
        raise UnreadableInput(
            f"{file}: not valid JSON at line {err.lineno}, column {err.colno}: {err.msg}",
            value=file,
        ) from None
    except UnicodeDecodeError:
        raise UnreadableInput(f"{file}: JSON must be UTF-8 text", value=file) from None
    except RecursionError:
        raise _too_deep(file) from None
    _check_shape(document, file=file, aliases=False)
    return document


class _NotJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    """Python's json reads NaN and Infinity, which JSON itself does not have."""
    raise _NotJson(name)


def _too_deep(file: str) -> UnreadableInput:
    return UnreadableInput(
        f"{file}: lists and mappings are nested more than {MAX_NESTING} deep", value=file
    )


def _check_shape(document: Any, *, file: str, aliases: bool) -> None:
    """Refuse a document nested too deep or, through aliases, too large or self-containing."""
    if aliases:
        _check_graph(document, file=file)
        return
    # Only lists and mappings are kept, level by level: memory follows the widest level.
    level = [document] if isinstance(document, list | dict) else []
    for _ in range(MAX_NESTING):
        if not level:
            return
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, list | dict)
        ]
    if level:
        raise _too_deep(file)


def _check_graph(document: Any, *, file: str) -> None:
    """The same limits on a document whose aliases make it a graph rather than a tree.

    Depth and size of every list and mapping as if each alias were written out, computed once
    per object and without recursion.
    """
    measured: dict[int, tuple[int, int]] = {}
    opened: set[int] = set()
    stack: list[Any] = [document] if isinstance(document, list | dict) else []
    unique = 0
    while stack:
        node = stack[-1]
        key = id(node)
        if key in measured:
            stack.pop()
            continue
        children = list(node.values()) if isinstance(node, dict) else node
        if key not in opened:
            opened.add(key)
            pending = [c for c in children if isinstance(c, list | dict) and id(c) not in measured]
            if any(id(child) in opened for child in pending):
                raise UnreadableInput(f"{file}: a YAML alias refers to its own parent", value=file)
            stack.extend(pending)
            continue
        depth, size = 1, 1
        for child in children:
            if isinstance(child, list | dict):
                child_depth, child_size = measured[id(child)]
                depth = max(depth, child_depth + 1)
                size += child_size
            else:
                size += 1
                unique += 1
        unique += 1
        if depth > MAX_NESTING:
            raise _too_deep(file)
        # Checked against every object seen so far, so exact once the whole document is walked.
        if size - unique > MAX_YAML_ALIAS_NODES:
            raise UnreadableInput(
                f"{file}: its YAML aliases stand for more than {MAX_YAML_ALIAS_NODES:,} values",
                value=file,
            )
        measured[key] = (depth, size)
        opened.discard(key)
        stack.pop()
