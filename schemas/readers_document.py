"""YAML and JSON documents: parsed safely, with limits on size, nesting and alias expansion."""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from typing import Any, BinaryIO, NamedTuple

import yaml

from clientreg.errors import InvalidValue, UnreadableInput

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

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        """A mapping, refused when a key is written twice: YAML keeps the last one silently,
        so a second ``clients:`` section would drop the first. Keys a ``<<`` merge brings in
        may be overridden, as YAML means them to be."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[type, Any], Any] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                key = self.construct_object(key_node)
                # The type keeps true and 1 apart, which Python's equality would not.
                identity = (type(key), key)
                try:
                    first = seen.setdefault(identity, key_node)
                except TypeError:
                    continue  # an unhashable key, refused by the base constructor
                if first is not key_node:
                    raise _DuplicateKey(key, key_node.start_mark.line + 1,
                                        first.start_mark.line + 1)
        return super().construct_mapping(node, deep=deep)
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
        raise UnreadableInput("unreadable-file/document-too-large", value=file, file=file,
                              count=MAX_DOCUMENT_BYTES)
    if not data.strip():
        raise UnreadableInput("unreadable-file/empty", value=file, file=file)
    return data


def parse_yaml(data: bytes, *, file: str) -> Any:
    """The YAML document, or UnreadableInput with the line of the mistake."""
    try:
        aliases = _count_aliases(data) if b"*" in data else 0
        if aliases > MAX_YAML_ALIASES:
            raise UnreadableInput("unreadable-file/yaml-aliases", value=file, file=file,
                                  count=MAX_YAML_ALIASES)
        document = yaml.load(data, Loader=DocumentLoader)  # DocumentLoader is a safe loader
    except _DuplicateKey as err:
        raise err.error(file) from None
    except yaml.YAMLError as err:
        raise _yaml_error(file, err) from None
    if document is None:
        raise UnreadableInput("unreadable-file/empty-document", value=file, file=file)
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


def _yaml_error(file: str, err: yaml.YAMLError) -> UnreadableInput:
    """The error for a document PyYAML refused, at its line and column when it gives them."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    # PyYAML's own words say what is wrong.
    problem = getattr(err, "problem", None) or str(err)
    if isinstance(err, yaml.constructor.ConstructorError) and "constructor for the tag" in problem:
        tag = problem.rsplit(" ", 1)[-1].strip("'")
        if mark is None:
            return UnreadableInput("unreadable-file/yaml-tag-unplaced", value=file, file=file,
                                   tag=tag)
        return UnreadableInput("unreadable-file/yaml-tag", value=file, file=file, tag=tag,
                               line=mark.line + 1, column=mark.column + 1)
    if mark is None:
        return UnreadableInput("unreadable-file/yaml-syntax-unplaced", value=file, file=file,
                               detail=problem)
    return UnreadableInput("unreadable-file/yaml-syntax", value=file, file=file,
                           line=mark.line + 1, column=mark.column + 1, detail=problem)


def parse_json(data: bytes, *, file: str) -> Any:
    """The JSON document, or UnreadableInput with the line of the mistake."""
    try:
        document = json.loads(data, parse_constant=_refuse_constant,
                              object_pairs_hook=_unique_pairs)
    except _DuplicateKey as err:
        raise _located_json_duplicate(data, err).error(file) from None
    except _NotJson as err:
        raise UnreadableInput("unreadable-file/json-constant", value=file, file=file,
                              constant=err.args[0]) from None
    except json.JSONDecodeError as err:
        # The json module's own words say what is wrong.
        raise UnreadableInput("unreadable-file/json-syntax", value=file, file=file,
                              line=err.lineno, column=err.colno, detail=err.msg) from None
    except UnicodeDecodeError:
        raise UnreadableInput("unreadable-file/json-not-utf8", value=file, file=file) from None
    except RecursionError:
        raise _too_deep(file) from None
    _check_shape(document, file=file, aliases=False)
    return document


class _NotJson(ValueError):
    pass


class _DuplicateKey(Exception):
    """A mapping names the same key twice; the lines are 0 where they are not known yet."""

    def __init__(self, key: Any, line: int = 0, first: int = 0) -> None:
        super().__init__(key)
        self.key, self.line, self.first = key, line, first

    def error(self, file: str) -> InvalidValue:
        if not self.line:
            return InvalidValue("duplicate-key/unplaced", value=file, file=file, name=self.key)
        return InvalidValue("duplicate-key", value=file, file=file, line=self.line,
                            name=self.key, first=self.first)


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return mapping


def _located_json_duplicate(data: bytes, found: _DuplicateKey) -> _DuplicateKey:
    """The first duplicate key again, with its lines: Python's JSON parser gives no positions,
    so the document, known to be valid JSON, is walked once more with a scanner that notes
    where each key of a mapping starts. Only a document with a duplicate pays for this."""
    text = data.decode(json.detect_encoding(data), "surrogatepass").removeprefix("\ufeff")
    decoder = json.JSONDecoder(parse_constant=_refuse_constant)
    # Names json.decoder has and its type stubs leave out.
    space = json.decoder.WHITESPACE.match  # type: ignore[attr-defined]
    scanstring = json.decoder.scanstring  # type: ignore[attr-defined]

    def parse_object(s_and_end: tuple[str, int], strict: bool, scan_once: Any,
                     *_: Any) -> tuple[dict, int]:
        s, end = s_and_end
        seen: dict[str, int] = {}
        end = space(s, end).end()
        if s[end] == "}":
            return {}, end + 1
        while True:
            end = space(s, end).end()
            key, after = scanstring(s, end + 1, strict)
            if key in seen:
                raise _DuplicateKey(key, s.count("\n", 0, end) + 1,
                                    s.count("\n", 0, seen[key]) + 1)
            seen[key] = end
            end = space(s, after).end() + 1  # past the colon
            _, end = scan_once(s, space(s, end).end())
            end = space(s, end).end()
            if s[end] == "}":
                return {}, end + 1
            end += 1  # past the comma

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        decoder.decode(text)
    except _DuplicateKey as located:
        return located
    except (RecursionError, ValueError):
        pass  # deeper than the pure-Python scanner goes: the key alone is reported
    return found


def _refuse_constant(name: str) -> Any:
    """Python's json reads NaN and Infinity, which JSON itself does not have."""
    raise _NotJson(name)


def _too_deep(file: str) -> UnreadableInput:
    return UnreadableInput("unreadable-file/too-deep", value=file, file=file, limit=MAX_NESTING)


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


class _Extent(NamedTuple):
    """A list or mapping as if each alias in it were written out."""

    depth: int
    size: int


def _check_graph(document: Any, *, file: str) -> None:
    """The same limits on a document whose aliases make it a graph rather than a tree.

    Depth and size of every list and mapping as if each alias were written out, computed once
    per object and without recursion.
    """
    measured: dict[int, _Extent] = {}
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
                raise UnreadableInput("unreadable-file/yaml-alias-loop", value=file, file=file)
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
            raise UnreadableInput("unreadable-file/yaml-alias-values", value=file, file=file,
                                  count=MAX_YAML_ALIAS_NODES)
        measured[key] = _Extent(depth, size)
        opened.discard(key)
        stack.pop()
