"""The house's floors, read from the code's own imports (every import, lazy ones included).

Calls go down: the hub and the wire protocol stand on the domain and the ground floor only; the
store and the domain never reach up into the service or a face; no two modules import each other
round a circle. README "How it is built" draws the same picture.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kiosk", "sync")
GROUND = ("kiosk.primitives", "kiosk.i18n", "kiosk.config")
FACES = ("kiosk.ui", "kiosk.web", "kiosk.cli", "kiosk.selfreg")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def imported_modules(name: str) -> set[str]:
    """The project's modules that `name` imports (a `from a import b` names a.b when b is one)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # kiosk.cards.render.CardFace -> kiosk.cards.render
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imported_modules(name) for name in MODULES}


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def offending(sources: tuple[str, ...], allowed) -> list[str]:
    return sorted(f"{source} -> {target}" for source in GRAPH if within(source, sources)
                  for target in GRAPH[source] if not allowed(target))


def test_the_hub_and_the_protocol_stand_on_the_domain_and_the_ground_floor_only():
    allowed = ("kiosk.domain", *GROUND)
    assert offending(("sync.hub", "sync.protocol"),
                     lambda t: t.startswith("sync.") or within(t, allowed)) == []
    assert offending(("sync.protocol",), lambda t: not within(t, ("sync.hub", "sync.client"))) == []


@pytest.mark.parametrize("floor, above", [
    ("kiosk.domain", ("kiosk.storage", "kiosk.service", "kiosk.cards", "kiosk.join", *FACES, "sync")),
    ("kiosk.storage", ("kiosk.service", "kiosk.cards", "kiosk.join", *FACES, "sync")),
    ("kiosk.service", ("kiosk.join", *FACES, "sync")),
    ("kiosk.cards", ("kiosk.service", "kiosk.storage", "kiosk.join", *FACES, "sync")),
    ("kiosk.join", (*FACES, "sync")),
    ("sync.client", FACES),
    (GROUND, ("kiosk.domain", "kiosk.storage", "kiosk.service", "kiosk.cards", *FACES, "sync")),
])
def test_no_floor_reaches_up(floor, above):
    floors = floor if isinstance(floor, tuple) else (floor,)
    assert offending(floors, lambda target: not within(target, above)) == []


def test_no_modules_import_each_other_round_a_circle():
    # Tarjan's strongly connected components over every import.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for target in GRAPH[name]:
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in on_stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for name in sorted(GRAPH):
        if name not in index:
            visit(name)
    assert circles == []


def test_the_reader_sees_every_module():
    # A guard on the guard: the graph holds the modules it is about.
    assert {"kiosk.domain", "kiosk.service", "sync.hub.ingest", "sync.protocol.wire"} <= set(GRAPH)
    assert "kiosk.domain.errors" in GRAPH["kiosk.domain"]
