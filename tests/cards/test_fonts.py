from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from kiosk.fonts.cjk import REQUIRED_CHARS, find_cjk_font, font_has_chars, undrawable
from kiosk.domain import DomainError

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def test_default_font_is_a_simplified_chinese_face_with_rare_characters():
    spec = find_cjk_font()
    assert font_has_chars(spec, REQUIRED_CHARS + "堃喆赟·")
    with TTFont(str(spec.path), fontNumber=spec.index, lazy=True) as font:
        assert "SC" in font["name"].getDebugName(1) or "Chinese" in font["name"].getDebugName(1)


def test_configured_font_with_face_index_is_used(monkeypatch):
    spec = find_cjk_font()
    monkeypatch.setenv("RUHUI_FONT", f"{spec.path}#{spec.index}")
    assert find_cjk_font() == spec


def _font_without_ji(tmp_path):
    """A real font lacking 𠮷: DejaVu Sans, or a Latin-only subset of the CJK face."""
    if DEJAVU.exists():
        return DEJAVU
    from fontTools import subset

    spec = find_cjk_font()
    font = TTFont(str(spec.path), fontNumber=spec.index)
    subsetter = subset.Subsetter()
    subsetter.populate(text="ABC䶮")
    subsetter.subset(font)
    out = tmp_path / "latin.otf"
    font.save(str(out))
    return out


def test_configured_font_lacking_rare_characters_is_refused(monkeypatch, tmp_path):
    path = _font_without_ji(tmp_path)
    monkeypatch.setenv("RUHUI_FONT", str(path))
    with pytest.raises(DomainError) as excinfo:
        find_cjk_font()
    assert excinfo.value.code == "font.missing"
    assert "RUHUI_FONT" in excinfo.value.message_zh


def test_configured_font_that_does_not_exist_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("RUHUI_FONT", str(tmp_path / "nowhere.ttf"))
    with pytest.raises(DomainError) as excinfo:
        find_cjk_font()
    assert excinfo.value.code == "font.missing"


@pytest.mark.parametrize("name", ["ᠪᠠᠲᠤ", "ئابدۇرېھىم", "Әлихан"])  # Mongolian, Uyghur, Kazakh
def test_a_name_the_card_cannot_print_is_refused_with_the_other_mistakes(tmp_path, name):
    from tests.support.kiosks import form, open_kiosk
    from kiosk.domain import FormError

    kiosk = open_kiosk(tmp_path / "k")
    assert undrawable(name)  # letters the domain accepts, which the card font has no glyphs for
    with pytest.raises(FormError) as alone:
        kiosk.enroll(form(1, name=name))
    assert [(e.field, e.code) for e in alone.value.errors] == [("name", "name.unprintable")]
    assert "汉字" in alone.value.errors[0].message_zh and "Chinese" in alone.value.errors[0].message_en
    with pytest.raises(FormError) as both:
        kiosk.enroll(form(2, name=name, mobile="12345"))
    assert {(e.field, e.code) for e in both.value.errors} == {("name", "name.unprintable"),
                                                              ("mobile", "mobile.invalid")}
    assert kiosk.store.search("") == []


@pytest.mark.parametrize("name", ["张𠮷", "阿不都热依木·买买提", "John Smith", "Иванов", "Nguyễn Văn An"])
def test_names_the_card_can_print_are_enrolled(tmp_path, name):
    from tests.support.kiosks import form, open_kiosk

    kiosk = open_kiosk(tmp_path / "k")
    assert undrawable(name) == ""
    assert kiosk.enroll(form(1, name=name)).stored.member.name == name
