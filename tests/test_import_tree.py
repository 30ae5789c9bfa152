"""clientreg's modules import one another as a tree: no cycle, however the import is written.

Every import counts: at the top of a module, inside a function (kept there to make start-up
lazy, which is fine, but not to hide a cycle) or under ``if TYPE_CHECKING:``. commands/ and
schemas/ are named as they install, clientreg.commands and clientreg.schemas.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"clientreg": "clientreg", "commands": "clientreg.commands",
           "schemas": "clientreg.schemas"}


def module_files() -> dict[str, Path]:
    """Each module's installed name, with its file."""
    modules = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join([package, *parts])] = path
    return modules


def _absolute(node: ast.ImportFrom, module: str, path: Path) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[:len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """(imported module, line) for every import of one of clientreg's modules in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, path)
            # `from package import name` imports the submodule when there is one.
            names = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
                     for alias in node.names]
        else:
            continue
        found += [(name, node.lineno) for name in names if name in known and name != module]
        # Importing a.b.c runs the packages a and a.b first, unless the importer is inside them.
        found += [(package, node.lineno) for name in names for package in ancestors(name)
                  if package in known and package not in ancestors(module)]
    return found


def ancestors(module: str) -> list[str]:
    """The packages holding a module: clientreg.storage.schema -> clientreg, clientreg.storage."""
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: the line of its first import there}."""
    files = module_files()
    graph: dict[str, dict[str, int]] = {}
    for module, path in files.items():
        edges = graph.setdefault(module, {})
        for target, line in imports(module, path, set(files)):
            edges.setdefault(target, line)
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The groups of modules that reach one another (Tarjan), those of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def shortest_cycle(graph: dict[str, dict[str, int]], group: list[str]) -> list[str]:
    """A shortest cycle through the group's first module, staying inside the group."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node]):
            if target == start:
                return [*paths[node], start]
            if target in members and target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError(f"no cycle through {start}")


def described(graph: dict[str, dict[str, int]], cycle: list[str]) -> str:
    files = module_files()
    steps = [f"{files[a].relative_to(ROOT)}:{graph[a][b]} ({a} imports {b})"
             for a, b in zip(cycle, cycle[1:], strict=False)]
    return " -> ".join(cycle) + "\n    " + "\n    ".join(steps)


def test_the_graph_sees_every_kind_of_import():
    graph = import_graph()
    assert "clientreg.commands.app" in graph
    assert "clientreg.schemas.readers" in graph
    assert "clientreg.storage" in graph
    # a module-level import, and function-level ones
    assert "clientreg.commands.context" in graph["clientreg.commands.app"]
    assert "clientreg.commands.boundary" in graph["clientreg.commands.app"]
    assert "clientreg.schemas.readers" in graph["clientreg.commands.catalogue"]
    # a package's __init__ runs when one of its modules is imported from outside it
    assert ancestors("clientreg.storage.schema") == ["clientreg", "clientreg.storage"]


def test_a_cycle_is_found_and_shown():
    graph = {"a": {"b": 3}, "b": {"c": 5}, "c": {"a": 7, "d": 1}, "d": {}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert shortest_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_the_imports_form_a_tree():
    graph = import_graph()
    cycles = [described(graph, shortest_cycle(graph, group))
              + ("" if len(group) == 2 else "\n    among " + ", ".join(group))
              for group in strongly_connected(graph)]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
