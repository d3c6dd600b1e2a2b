"""The translation tables in assets/i18n: they load, they hold every key the code asks for, and a
malformed file is refused naming its line; the consent notice, in code, keeps its version."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.i18n import LANGUAGES, all_texts, has_text, t
from kiosk.i18n.consent import CONSENT_TEXTS
from kiosk.i18n.tables import (TranslationTableError, merge_rows, parse_table, read_tables,
                               table_files)

ROOT = Path(__file__).resolve().parents[2]


def test_the_consent_notice_keeps_the_version_every_record_holds():
    from kiosk.domain.consent import consent_version
    assert consent_version() == "v1-0e6b37947b13"  # computed before the tables moved to files
    assert t("consent.notice", "en") == CONSENT_TEXTS["consent.notice"][1]
    assert all(not key.startswith("consent.") for f in table_files()
               for key, _, _ in parse_table(f.read_text("utf-8-sig"), str(f), LANGUAGES))


def test_every_table_loads_and_every_key_has_chinese_and_english():
    assert sorted(f.name for f in table_files()) == ["errors.tsv", "hub.tsv", "kiosk.tsv",
                                                     "phone.tsv"]
    for f in table_files():
        rows = list(parse_table(f.read_text("utf-8-sig"), str(f), LANGUAGES))
        assert rows, f.name
        assert all(len(texts) == 2 and all(texts) for _, texts, _ in rows)
    assert len(read_tables(LANGUAGES)) > 500
    assert all(key.startswith("error.") for key, _, _ in
               parse_table((table_files()[0]).read_text("utf-8-sig"), "errors.tsv", LANGUAGES))


def _literal_keys() -> set[str]:
    """Keys passed as a literal to t(...), a face's T(...) or the command lines' say_text(...)
    and bilingual(...) in the code and the templates."""
    keys = set()
    for path in [*ROOT.glob("kiosk/**/*.py"), *ROOT.glob("sync/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and node.args
                    and getattr(node.func, "attr", getattr(node.func, "id", ""))
                    in ("T", "t", "say_text", "bilingual")
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                keys.add(node.args[0].value)
    literal = re.compile(r"""\bt\(\s*(['"])([^'"]+)\1\s*[,)]""")
    for path in [*ROOT.glob("kiosk/**/*.html"), *ROOT.glob("sync/**/*.html")]:
        keys.update(m.group(2) for m in literal.finditer(path.read_text(encoding="utf-8")))
    return keys


def test_every_literal_key_the_code_uses_exists():
    keys = _literal_keys()
    assert len(keys) > 300
    assert sorted(k for k in keys if not has_text(k)) == []


def test_t_fills_values_and_falls_back_to_chinese():
    assert t("error.duplicate_member", "en", card_number="K7A3-000042-Q").count("K7A3") == 1
    assert t("join.submit", "mn") == t("join.submit") == t("join.submit", "zh")
    with pytest.raises(KeyError):
        t("no.such.key")
    assert "此项必填" in set(all_texts()) and not has_text("no.such.key")


def test_the_tables_are_read_at_first_use_not_at_import():
    code = ("import kiosk.i18n, kiosk.domain; assert kiosk.i18n._texts is None; "
            "kiosk.i18n.t('ui.ok'); assert kiosk.i18n._texts")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def rows(text: str) -> dict:
    return merge_rows(parse_table(text, "x.tsv", LANGUAGES))


def test_a_key_defined_twice_is_refused_naming_both_lines():
    with pytest.raises(TranslationTableError, match=r"x\.tsv, line 3: key 'a' .* x\.tsv, line 2"):
        rows("key\tzh\ten\na\t甲\tA\na\t乙\tB\n")
    with pytest.raises(TranslationTableError, match="kiosk.tsv, line"):
        read_tables(LANGUAGES, [("ui.ok", ("好", "OK"), "a test")])


@pytest.mark.parametrize("text, line", [
    ("key\tzh\ten\na\t甲\n", 2),             # a missing column
    ("key\tzh\ten\na\t甲\tA\tB\n", 2),       # one too many
    ("key\tzh\ten\na\t甲\tA\n\n", 3),        # a blank line
    ("key\tzh\ten\na\t甲\t\n", 2),           # no English
    ("key\tzh\ten\n\t甲\tA\n", 2),           # no key
    ("key\tzh\ten\na\t甲\\x\tA\n", 2),       # an unknown escape
    ("key\tzh\na\t甲\n", 1),                  # no English column
    ("zh\ten\n甲\tA\n", 1),                   # no key column
])
def test_a_malformed_row_is_refused_naming_its_line(text, line):
    with pytest.raises(TranslationTableError, match=rf"^x\.tsv, line {line}: "):
        rows(text)


def test_another_language_column_and_escapes_are_read():
    text = "key\ten\tmn\tzh\r\na\tA\\tB\tᠠ\t甲\\n乙\\\\\r\n"  # CRLF, as a spreadsheet saves
    assert rows(text) == {"a": ("甲\n乙\\", "A\tB")}
