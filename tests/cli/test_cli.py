"""The `kiosk` command line, run as a real process against a real data folder."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from tests.support.idgen import make_id

ROOT = Path(__file__).resolve().parents[2]


def kiosk(*args: str, stdin: bytes = b"", env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "kiosk.cli.__main__", *args], input=stdin,
                          capture_output=True, env=env, cwd=ROOT, timeout=120)


def line(**fields) -> bytes:
    form = {"name": "张三", "id_number": make_id(), "mobile": "13800138000", "group": "courier",
            "union_org": "CN-1", "consent": True, **fields}
    return (json.dumps(form, ensure_ascii=False) + "\n").encode()


def results(proc) -> list[dict]:
    return [json.loads(l) for l in proc.stdout.decode().splitlines()]


def enroll_some(n: int) -> list[dict]:
    lines = b"".join(line(id_number=make_id(seq=i), name=f"工人{'一二三四五六七八九十'[i % 10]}")
                     for i in range(n))
    proc = kiosk("enroll", "--json", "-", stdin=lines)
    assert proc.returncode == 0, proc.stderr.decode()
    return results(proc)


def test_json_lines_enroll_and_refuse_line_by_line():
    good = line()
    proc = kiosk("enroll", "--json", "-", stdin=good + line(mobile="12") + b"\xff\xfe{}\n"
                 + b"[1, 2]\n" + good)
    assert proc.returncode == 1
    out = results(proc)
    assert out[0]["ok"] and out[0]["card_number"] and out[0]["token"].startswith("RH:")
    assert out[1] == {"ok": False, "errors": [{"field": "mobile", "code": "mobile.invalid",
                                               "message_zh": out[1]["errors"][0]["message_zh"],
                                               "message_en": out[1]["errors"][0]["message_en"]}]}
    assert out[2]["errors"][0]["code"] == "input.encoding"
    assert out[3]["errors"][0]["code"] == "input.json"
    assert out[4]["errors"][0]["code"] == "duplicate_member"
    assert out[4]["errors"][0]["card_number"] == out[0]["card_number"]
    assert b"Traceback" not in proc.stderr
    listed = results(kiosk("list", "--json"))
    assert [r["record_id"] for r in listed] == [out[0]["record_id"]]


@pytest.mark.parametrize("field,value,code", [
    ("name", "", "required"), ("name", "张" * 40, "name.too_long"),
    ("name", "<img src=x onerror=alert(1)>", "name.invalid_char"),
    ("name", "x'); DROP TABLE members;--", "name.invalid_char"), ("name", "张三🎉", "name.invalid_char"),
    ("name", "张\u0007三", "name.invalid_char"), ("name", "Иван3", "name.invalid_char"),
    ("name", "ᠪᠠᠲᠤ", "name.unprintable"), ("name", "ئابدۇرېھىم", "name.unprintable"),
    ("id_number", "", "required"), ("id_number", "1" * 40, "id_number.length"),
    ("id_number", "一二三四五六七八九十一二三四五六七八", "id_number.format"),
    ("id_number", "11010519491231002X' OR '1'='1", "id_number.length"),
    ("mobile", "", "required"), ("mobile", "1" * 40, "mobile.invalid"),
    ("mobile", "一三八〇〇一三八〇〇〇", "mobile.invalid"), ("mobile", "<b>13800138000</b>", "mobile.invalid"),
    ("group", "", "required"), ("group", "<script>", "choice.invalid"),
    ("employer", "美团" * 40, "text.too_long"), ("employer", "<script>x</script>", "text.invalid_char"),
    ("employer", "美团\u202e", "text.invalid_char"), ("union_org", "CN 1; DROP", "union_org.invalid"),
    ("consent", False, "consent.required"),
])
def test_bad_input_of_every_field_gives_its_error_and_stores_nothing(field, value, code):
    proc = kiosk("enroll", "--json", "-", stdin=line(**{field: value}))
    assert proc.returncode == 1
    errors = results(proc)[0]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]
    assert results(kiosk("list", "--json")) == []


def test_undecodable_command_line_arguments_are_refused_cleanly():
    proc = subprocess.run([sys.executable, "-m", "kiosk.cli.__main__", "list", "--search",
                           b"\xff\xfe".decode("utf-8", "surrogateescape")], capture_output=True,
                          cwd=ROOT, env=os.environ)
    assert proc.returncode == 2
    assert "input.encoding" in proc.stderr.decode() and b"Traceback" not in proc.stderr


def test_list_is_masked_and_searchable():
    enroll_some(3)
    rows = results(kiosk("list", "--json", "--search", "工人二"))
    assert len(rows) == 1
    assert rows[0]["id_number"] == make_id(seq=1)[:6] + "********" + make_id(seq=1)[-4:]
    assert rows[0]["mobile"] == "138****8000"
    text = kiosk("list").stdout.decode()
    assert make_id(seq=1) not in text and "共 3 条" in text


def decode_png(path: Path) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(Image.open(path))]


def test_card_png_and_pdf_carry_a_token_that_verifies(tmp_path):
    enrolled = enroll_some(1)[0]
    png, pdf = tmp_path / "card.png", tmp_path / "card.pdf"
    assert kiosk("card", enrolled["card_number"], "--png", str(png)).returncode == 0
    assert decode_png(png) == [enrolled["token"]]
    assert kiosk("card", enrolled["card_number"].lower(), "--pdf", str(pdf)).returncode == 0
    page = pypdfium2.PdfDocument(str(pdf))[0].render(scale=300 / 72).to_pil()
    assert [b.text for b in zxingcpp.read_barcodes(page)] == [enrolled["token"]]

    verified = kiosk("verify", str(png))
    assert verified.returncode == 0
    answer = json.loads(verified.stdout)
    assert (answer["valid"], answer["card_number"], answer["name"]) == (
        True, enrolled["card_number"], "工人一")
    token = enrolled["token"]
    tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    refused = kiosk("verify", tampered)
    assert refused.returncode == 1 and json.loads(refused.stdout)["valid"] is False
    assert json.loads(refused.stdout)["reason"] in ("token.bad_signature", "token.malformed",
                                                   "token.unknown_key")


def test_a_card_from_another_kiosk_verifies_with_its_public_keyring(tmp_path):
    enrolled = enroll_some(1)[0]
    other = {"KIOSK_DATA_DIR": str(tmp_path / "other-kiosk")}
    assert kiosk("verify", enrolled["token"], env_extra=other).returncode == 1
    from kiosk.cards import Keyring, export_public_keyring, load_or_create_device_key
    keyring = Keyring.for_device(load_or_create_device_key(Path(os.environ["KIOSK_DATA_DIR"])))
    export_public_keyring(keyring, tmp_path / "keys.json")
    assert "PRIVATE" not in (tmp_path / "keys.json").read_text()
    assert kiosk("verify", enrolled["token"], "--keyring", str(tmp_path / "keys.json"),
                 env_extra=other).returncode == 0


def test_sheet_pdf_of_the_day_holds_every_card(tmp_path):
    enrolled = enroll_some(12)
    pdf = tmp_path / "sheet.pdf"
    proc = kiosk("sheet", "--pdf", str(pdf))
    assert proc.returncode == 0, proc.stderr.decode()
    tokens = []
    for page in pypdfium2.PdfDocument(str(pdf)):
        image = page.render(scale=250 / 72).to_pil()
        tokens += [b.text for b in zxingcpp.read_barcodes(image)]
    assert sorted(tokens) == sorted(r["token"] for r in enrolled)


def test_export_csv_opens_in_excel_and_masks_ids_unless_confirmed(tmp_path):
    enroll_some(2)
    out = tmp_path / "export.csv"
    assert kiosk("export", "--csv", str(out)).returncode == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[0]["姓名(name)"] == "工人一"
    assert rows[0]["身份证号(id_number)"] == make_id(seq=0)[:6] + "********" + make_id(seq=0)[-4:]
    assert rows[0]["职业群体(group)"] == "快递员"
    refused = kiosk("export", "--csv", str(out), "--full-id", stdin=b"no\n")
    assert refused.returncode == 1
    assert kiosk("export", "--csv", str(out), "--full-id", "--yes").returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0]["身份证号(id_number)"] == make_id(seq=0)


def test_collective_enrollment_from_csv_reports_each_row(tmp_path):
    path = tmp_path / "employer.csv"
    path.write_text(
        "姓名,身份证号码,手机号码,民族,职业群体,工作单位,工会组织,本人同意\n"
        f"王五,{make_id(seq=11)},138 0013 8001,汉族,快递员,顺丰,CN-1,是\n"
        f"赵六,{make_id(seq=12)[:-1]}0,13800138002,蒙古族,货车司机,满帮,CN-1,是\n"
        f"王五,{make_id(seq=11)},13800138001,汉族,快递员,顺丰,CN-1,是\n"
        f"孙七,{make_id(seq=13)},13800138003,汉族,快递员,顺丰,CN-1,否\n",
        encoding="gb18030")  # as Excel on a Chinese Windows saves it
    proc = kiosk("import", str(path), "--report", str(tmp_path / "report.csv"))
    assert proc.returncode == 1
    text = proc.stdout.decode()
    assert "第2行 row 2: 已入会 enrolled" in text
    assert "第3行 row 3: 未入会 refused" in text and "id_number" in text
    assert "第4行 row 4: 已是会员 already a member" in text
    assert "第5行 row 5: 未入会 refused" in text and "consent" in text
    rows = results(kiosk("list", "--json"))
    assert len(rows) == 1 and rows[0]["channel"] == "collective" and rows[0]["ethnicity"] == "01"
    assert make_id(seq=12)[:-1] not in text


def test_collective_enrollment_from_xlsx(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名(name)", "身份证号(id_number)", "手机号(mobile)", "职业群体(group)",
                  "工会组织(union_org)", "本人同意(consent)", "备注"])
    sheet.append(["李雷", make_id(seq=21), 13800138021, "网约送餐员", "CN-2", "是", "x"])
    sheet.append(["韩梅梅", make_id(seq=22), 13800138022, "food_delivery", "CN-2", "是", ""])
    book.save(tmp_path / "list.xlsx")
    proc = kiosk("import", str(tmp_path / "list.xlsx"))
    assert proc.returncode == 0, proc.stdout.decode()
    assert "忽略未知列：备注" in proc.stdout.decode()
    rows = results(kiosk("list", "--json"))
    assert sorted(r["name"] for r in rows) == ["李雷", "韩梅梅"]
    assert {r["group"] for r in rows} == {"food_delivery"}


def test_import_template_round_trips(tmp_path):
    assert kiosk("import", "--template", str(tmp_path / "t.csv")).returncode == 0
    header = (tmp_path / "t.csv").read_text(encoding="utf-8-sig").strip()
    assert header.startswith("姓名(name),身份证号(id_number),手机号(mobile)")


def test_an_unreadable_import_file_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a spreadsheet")
    proc = kiosk("import", str(path))
    assert proc.returncode == 2
    assert "import.unreadable" in proc.stderr.decode() and b"Traceback" not in proc.stderr


def test_doctor_says_the_kiosk_can_work_and_names_what_is_wrong(tmp_path):
    proc = kiosk("doctor")
    assert proc.returncode == 0, proc.stdout.decode()
    assert "本机可以登记会员" in proc.stdout.decode()
    lacking = tmp_path / "no-cjk.ttf"
    from fontTools.subset import Options, Subsetter
    from fontTools.ttLib import TTFont
    font = TTFont("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", fontNumber=2)
    subsetter = Subsetter(Options())
    subsetter.populate(text="张三")
    subsetter.subset(font)
    font.save(lacking)
    proc = kiosk("doctor", env_extra={"RUHUI_FONT": str(lacking)})
    assert proc.returncode == 1
    assert "fonts-noto-cjk" in proc.stdout.decode()


def test_interactive_enroll_asks_again_only_for_what_was_wrong():
    answers = "\n".join(["李 四", make_id(seq=31), "123", "美团", "6", "是", "李四", "13900139000"]) + "\n"
    proc = kiosk("enroll", stdin=answers.encode())
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert "姓名只能包含" in out  # "李 四": a Han name has no space inside
    assert out.count("姓名 Name") == 2 and out.count("手机号 Mobile") == 2
    assert out.count("身份证号 ID number") == 1 and out.count("职业群体编号") == 1
    assert "已保存。会员卡号" in out
    rows = results(kiosk("list", "--json"))
    assert [(r["group"], r["employer"], r["mobile"]) for r in rows] == [
        ("food_delivery", "美团", "139****9000")]


def test_a_card_from_a_revoked_device_is_refused():
    enrolled = enroll_some(1)[0]
    from kiosk.cards import load_or_create_device_key
    from kiosk.storage import Store
    data_dir = Path(os.environ["KIOSK_DATA_DIR"])
    key_id = load_or_create_device_key(data_dir).key_id.hex()
    store = Store(data_dir / "kiosk.sqlite3")
    store.replace_revocations([{"key_id": key_id, "device": 7, "revoked_at": "2026-11-25T10:00:00"}])
    store.close()
    proc = kiosk("verify", enrolled["token"])
    assert proc.returncode == 1 and json.loads(proc.stdout)["reason"] == "token.revoked"
