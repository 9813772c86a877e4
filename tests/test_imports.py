"""The package imports in one direction: no cycles except a blueprint and its routes module.

An import inside a function counts as much as one at the top: it only delays the cycle to the
first call, so the graph is built from every import anywhere in a module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "allin"


def module_name(path: Path) -> str:
    parts = ["allin", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(name: str) -> bool:
    return (ROOT.joinpath(*name.split(".")[1:]) / "__init__.py").exists()


def imports(path: Path) -> set[str]:
    """Modules of the package that `path` imports anywhere: at module level or in a function."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(max(node.level - 1, 0)):
                base = base.rsplit(".", 1)[0]
            target = (
                f"{base}.{node.module}"
                if node.level and node.module
                else (base if node.level else node.module or "")
            )
            if not target.startswith("allin"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                known = ROOT.joinpath(*sub.split(".")[1:]).with_suffix(".py").exists()
                found.add(sub if known or is_package(sub) else target)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("allin")}
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in ROOT.rglob("*.py") if "migrations" not in p.parts}


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), list(edges.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return seen


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every group of two or more modules that import each other, directly or not."""
    reach = {node: reachable(edges, node) for node in edges}
    groups = {
        frozenset({node} | {other for other in reach[node] if node in reach.get(other, ())})
        for node in edges
    }
    return sorted(sorted(group) for group in groups if len(group) > 1)


def test_no_import_cycles_but_blueprint_and_routes():
    """Also through imports inside functions (issue 26: demo -> guide.seed -> guide.services)."""
    edges = graph()
    assert "allin.access" in edges and "allin.models" in edges["allin.access"]
    # Intended: a blueprint package imports its routes module last so that the views exist once
    # the blueprint does, and the routes module takes `bp` from it (Flask's own pattern).
    allowed = [
        sorted([package, f"{package}.routes"]) for package in edges if f"{package}.routes" in edges
    ]
    assert [group for group in cycles(edges) if group not in allowed] == []


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_nothing_below_the_top_floor_imports_the_demo():
    """The demo network imports the features; no feature imports it. Only the app factory
    (`allin/__init__.py`, the top floor) wires it in."""
    edges = graph()
    demo = {name for name in edges if name == "allin.demo" or name.startswith("allin.demo.")}
    importers = {
        name: sorted(imported & demo)
        for name, imported in edges.items()
        if name not in demo and name != "allin" and imported & demo
    }
    assert importers == {}
    assert "allin.demo" in edges["allin"]  # imported inside register_demo(): the walk sees it


def test_a_rules_module_imports_no_feature():
    """A feature's rules.py imports access and what lies below it, never a feature: importing a
    feature's package loads its routes, which may import the half-loaded rules module back."""
    edges = graph()
    features = {name for name in edges if f"{name}.routes" in edges}
    rules = {name for name in edges if name.endswith(".rules")}
    assert {"allin.cohorts.rules", "allin.concepts.rules", "allin.training.rules"} <= rules
    imported = {
        name: sorted(
            target
            for target in edges[name]
            if any(target == f or target.startswith(f"{f}.") for f in features)
        )
        for name in rules
    }
    assert {name: found for name, found in imported.items() if found} == {}
