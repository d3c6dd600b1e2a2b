"""One door per action: every face (screens, the phone page, the command line, the join link,
collective imports, the group-commit writer) acts through kiosk.service, never on the store.

A face that reads `kiosk.store` or opens the file itself is a second door with its own lock: the
service is where who-may-do-what is checked, so a face must not walk round it. Read from the
code's own syntax (attribute reads and imports), comments and strings aside.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The uploader (sync/client) is a face too: its door is kiosk.outbox.
FACES = ("kiosk/ui", "kiosk/web", "kiosk/cli", "kiosk/selfreg", "kiosk/join",
         "kiosk/collective.py", "kiosk/group_commit.py", "sync/client")
# What opens the kiosk's file: only the service may hold one.
STORE_CLASSES = {"Store", "OutboxRows", "SqliteFile"}


def face_files(places: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for place in places:
        path = ROOT / place
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def second_doors(source: str) -> list[str]:
    """Where `source` reaches the store: `<anything>.store`, or an import of a store class."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "store":
            found.append(f"{node.lineno}: .store")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kiosk.storage"):
            found += [f"{node.lineno}: imports {alias.name}" for alias in node.names
                      if alias.name in STORE_CLASSES]
    return found


@pytest.mark.parametrize("path", face_files(FACES), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_face_acts_through_the_service_never_on_the_store(path):
    assert second_doors(path.read_text(encoding="utf-8")) == []


def test_the_check_sees_a_second_door():
    # A guard on the guard: the reader finds what it is meant to refuse, and reads every face.
    source = ("from kiosk.storage import Store, StoredMember\n"
              "def reprint(kiosk):\n    return kiosk.store.get('x')  # kiosk.store in a comment\n")
    assert second_doors(source) == ["1: imports Store", "3: .store"]
    assert {"kiosk/ui/roster.py", "kiosk/cli/cards_cmd.py", "kiosk/selfreg/router.py"} <= {
        str(p.relative_to(ROOT)) for p in face_files(FACES)}
