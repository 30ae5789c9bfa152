"""Every message can be translated: a template of the message table or a literal in ``_()``.

Babel's extractor, run as ``pybabel extract`` runs it, must find every template of
``clientreg.messages.MESSAGES``; and no code may build the text of an error or of a printed
line out of reach of the extractor (an English sentence given to an error, an f-string printed,
``_()`` called on a variable).
"""

import ast
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from clientreg.messages import MESSAGES, Plural

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("clientreg", "commands", "schemas")
KEYWORDS = {"_": None, "N_": None, "Nn_": (1, 2), "ngettext": (1, 2)}
TRANSLATING = ("_", "N_", "Nn_", "ngettext")
PRINTING = ("echo", "secho", "print", "print_error", "BadParameter")
# Arguments that hold where the problem is, the value itself and its code, not text to read.
DATA_PARAMETERS = ("field", "value", "code", "param_hint")
TABLE = MESSAGES


def python_files() -> list[Path]:
    return sorted(path for folder in FOLDERS for path in (ROOT / folder).rglob("*.py"))


def parsed() -> Iterator[tuple[str, ast.AST]]:
    """(file, node) for every node of every module of the three folders."""
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        name = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            yield name, node


def error_classes() -> set[str]:
    """ClientregError and every class that derives from it, wherever it is defined."""
    bases: dict[str, set[str]] = {}
    for _file, node in parsed():
        if isinstance(node, ast.ClassDef):
            bases[node.name] = {base.id if isinstance(base, ast.Name) else base.attr
                                for base in node.bases
                                if isinstance(base, ast.Name | ast.Attribute)}
    found = {"ClientregError"}
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


def callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def is_literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def is_key(node: ast.AST) -> bool:
    return is_literal(node) and node.value in TABLE


def error_constructions(node: ast.Call, classes: set[str]) -> str | None:
    """What the call builds, when it is an error whose first argument must be a key."""
    name = callee(node)
    if name in classes - {"Rejected"}:  # Rejected takes the problems it gathers
        return name
    if name in ("of", "PydanticCustomError") and (
            name == "PydanticCustomError" or _attribute_of(node, "RowError")):
        return "RowError.of" if name == "of" else name
    if isinstance(node.func, ast.Call) and callee(node.func) == "type":
        return "type(...)(...)"
    return None


def _attribute_of(node: ast.Call, owner: str) -> bool:
    return (isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
            and node.func.value.id in (owner, "cls"))


def has_words(node: ast.AST) -> bool:
    """Whether the literal text of a string or f-string holds letters, outside its fields."""
    if isinstance(node, ast.JoinedStr):
        text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = "".join(lit for lit, *_rest in string.Formatter().parse(node.value))
    else:
        return False
    return any(char.isalpha() for char in text)


def key_argument(node: ast.Call, position: int) -> ast.AST | None:
    """The argument giving the message's key: at ``position`` (RowError.of: after the value)."""
    if len(node.args) > position:
        return node.args[position]
    return next((k.value for k in node.keywords if k.arg == "key"), None)


def built_text(node: ast.AST) -> bool:
    """Words put together with an f-string, or ``.format`` on a literal ``_()`` did not wrap.

    A layout without words (``f"  {line}"``) has nothing to translate.
    """
    if isinstance(node, ast.JoinedStr):
        return has_words(node)
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format" and has_words(node.func.value))


def arguments(node: ast.Call) -> list[ast.AST]:
    return [*node.args, *(k.value for k in node.keywords if k.arg not in DATA_PARAMETERS)]


def test_babel_extracts_every_template_of_the_table():
    extracted: set[object] = set()
    for folder in FOLDERS:
        for _file, _line, message, _comments, _context in extract_from_dir(
                str(ROOT / folder), method_map=[("**.py", "python")], keywords=KEYWORDS):
            extracted.add(message)
    missing = [key for key, template in TABLE.items()
               if (template if isinstance(template, str)
                   else (template.singular, template.plural)) not in extracted]
    assert missing == [], "templates pybabel extract does not find: " + ", ".join(missing)


def test_templates_name_their_fields_as_errors_allow():
    reserved = {"field", "value", "code", "key"}
    wrong = []
    for key, template in TABLE.items():
        texts = [template] if isinstance(template, str) else [template.singular,
                                                               template.plural]
        names = {name for text in texts for _lit, name, _spec, _conv in
                 string.Formatter().parse(text) if name}
        if names & reserved:
            wrong.append(f"{key}: {sorted(names & reserved)}")
        if isinstance(template, Plural) and template.count != "count":
            wrong.append(f"{key}: the count parameter is {template.count!r}")
    assert wrong == []


@pytest.fixture(scope="module")
def classes() -> set[str]:
    return error_classes()


def test_errors_are_built_from_keys_of_the_table(classes):
    offences = []
    for file, node in parsed():
        if isinstance(node, ast.Call) and (built := error_constructions(node, classes)):
            key = key_argument(node, 4 if built == "RowError.of" else 0)
            if key is None or not is_key(key):
                shown = ast.unparse(key)[:60] if key is not None else "no key"
                offences.append(f"{file}:{node.lineno}: {built}(... {shown} ...)")
    assert offences == [], "errors not built from a literal key of MESSAGES:\n" + "\n".join(
        offences)


def test_row_errors_are_not_built_from_text():
    offences = []
    for file, node in parsed():
        if isinstance(node, ast.Call) and callee(node) == "RowError" and not file.endswith(
                "errors.py"):
            given = [k.value for k in node.keywords if k.arg == "message"]
            message = node.args[5] if len(node.args) > 5 else (given[0] if given else None)
            carried = message is not None and (
                (isinstance(message, ast.Call) and callee(message) == "Message")
                or (isinstance(message, ast.Attribute) and message.attr == "message"))
            if not carried:
                offences.append(f"{file}:{node.lineno}: RowError(...) with "
                                f"{ast.unparse(message) if message is not None else 'no message'}")
    assert offences == [], ("RowError built directly with a text message (use RowError.of or "
                            "RowError.from_error):\n" + "\n".join(offences))


def test_translations_are_asked_for_literals_only():
    offences = []
    for file, node in parsed():
        if isinstance(node, ast.Call) and callee(node) in TRANSLATING and isinstance(
                node.func, ast.Name):
            count = 2 if node.func.id in ("Nn_", "ngettext") else 1
            if len(node.args) < count or not all(is_literal(a) for a in node.args[:count]):
                offences.append(f"{file}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert offences == [], "translated text that is not a literal:\n" + "\n".join(offences)


def test_no_text_is_built_where_it_is_shown(classes):
    offences = []
    for file, node in parsed():
        if not isinstance(node, ast.Call):
            continue
        shows = callee(node) in PRINTING or (
            isinstance(node.func, ast.Attribute) and node.func.attr == "print"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "console")
        if shows or error_constructions(node, classes):
            offences += [f"{file}:{node.lineno}: {ast.unparse(argument)[:80]}"
                         for argument in arguments(node) if built_text(argument)]
    assert offences == [], ("text built with an f-string or .format outside _() where it is "
                            "shown:\n" + "\n".join(offences))
