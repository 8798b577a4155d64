#!/usr/bin/env python3
"""No import cycle in a package, counting every import: module level, inside functions, and
under ``if TYPE_CHECKING``.

    python scripts/check_import_cycles.py [package_dir ...]     (default: flask_sfsync)

import-linter's layers contract (setup.cfg) checks the direction between layers; this checks
every pair of modules, the emulator included, so that no cycle can hide inside a layer or behind
an import moved into a function. ``from pkg import name`` counts as an import of ``pkg.name``
when that is a module, else of ``pkg`` (its ``__init__``); a module importing names from its
own package's ``__init__`` counts too (that ``__init__`` may be importing the module). Prints
each cycle and exits 1 when there is one; prints the number of modules and imports checked.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path


def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under the package ``root``."""
    names: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    base = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imports_of(module: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(imported module of the package, line) for every import statement in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                while name and name not in known:
                    name = name.rpartition(".")[0]
                if name:
                    yield name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = (
                _resolve(module, is_package, node.level, node.module)
                if node.level
                else node.module or ""
            )
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in known:
                    yield full, node.lineno
                elif base in known:
                    yield base, node.lineno


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (or a self-import): Tarjan."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main(argv: list[str]) -> int:
    roots = [Path(a) for a in argv] or [Path(__file__).resolve().parent.parent / "flask_sfsync"]
    status = 0
    for root in roots:
        known = module_names(root)
        graph: dict[str, set[str]] = {name: set() for name in known}
        where: dict[tuple[str, str], int] = {}
        edges = 0
        for name, path in known.items():
            for target, line in imports_of(name, path, known):
                if target == name:
                    continue
                graph[name].add(target)
                where.setdefault((name, target), line)
                edges += 1
        found = cycles(graph)
        for component in found:
            status = 1
            members = set(component)
            print(f"import cycle among {len(component)} modules:")
            for name in component:
                for target in sorted(graph[name] & members):
                    print(f"  {name} -> {target}  ({known[name]}:{where[(name, target)]})")
        if not found:
            print(f"{root.name}: {len(known)} modules, {edges} imports, no import cycle")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
