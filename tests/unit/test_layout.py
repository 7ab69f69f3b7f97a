"""The shape of the pwa package, read from its source with ast (imports inside functions included):
no module over 400 lines, no screen module (views) imported from outside its area, no import circle.

`python -m pytest tests/unit/test_layout.py -q` shows each; a failure names the modules."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PWA = ROOT / "pwa"
MAX_LINES = 400
# The app factory registers every area's blueprint: the one place that may import any views module.
APP_FACTORY = "pwa"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PWA.rglob("*.py"))}


def resolve(importer: str, node: ast.ImportFrom | ast.Import) -> set[str]:
    """The pwa modules an import statement loads (a package's submodule when the name is one)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in MODULES}
    if node.level:
        package = importer.split(".")
        if MODULES[importer].name != "__init__.py":
            package = package[:-1]
        package = package[:len(package) - (node.level - 1)]
        target = ".".join(package + (node.module.split(".") if node.module else []))
    else:
        target = node.module or ""
    found = set()
    for alias in node.names:
        submodule = f"{target}.{alias.name}"
        if submodule in MODULES:
            found.add(submodule)
        elif target in MODULES:
            found.add(target)
    return found


def imports_of(name: str) -> set[str]:
    tree = ast.parse(MODULES[name].read_text(), filename=str(MODULES[name]))
    found = set()
    for node in ast.walk(tree):  # every import, at module level or inside a function
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= resolve(name, node)
    return found - {name}


GRAPH = {name: imports_of(name) for name in MODULES}


def area(name: str) -> str:
    """pwa.recovery.views -> pwa.recovery; pwa.web -> pwa.web."""
    parts = name.split(".")
    return ".".join(parts[:2])


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_is_read_from_the_source():
    assert "pwa.governance.escalations" in GRAPH["pwa.sweep"]
    assert "pwa.recovery.operations" in GRAPH["pwa.intake.operations"]
    # An import inside a function counts too.
    assert "pwa.escalations.operations" in GRAPH["pwa.web"]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_400_lines(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(ROOT)} has {lines} lines"


def test_no_views_module_is_imported_from_outside_its_area():
    outside = sorted((importer, target) for importer, targets in GRAPH.items() for target in targets
                     if target.endswith(".views") and importer != APP_FACTORY and area(importer) != area(target))
    assert outside == []


def test_no_import_circle_between_pwa_modules():
    assert cycles(GRAPH) == []


def test_a_circle_would_be_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
