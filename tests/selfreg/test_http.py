"""The phone page over real HTTP: a real uvicorn on 127.0.0.1, httpx as the phones."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from tests.support.idgen import make_id
from kiosk.join import close_join, join_access, rotate_join
from kiosk.selfreg import BodyLimitMiddleware, Budget, RateLimits
from kiosk.selfreg.devserver import selfreg_app, serve_in_thread
from kiosk.service import Kiosk

NONCE = re.compile(r'name="nonce" value="([^"]+)"')


@pytest.fixture
def server(kiosk):
    with serve_in_thread(selfreg_app(kiosk)) as base:
        yield base


def form_path(kiosk: Kiosk) -> str:
    return f"/join/{join_access(kiosk).token}"


def open_form(phone: httpx.Client, path: str) -> str:
    page = phone.get(path)
    assert page.status_code == 200
    return NONCE.search(page.text).group(1)


def fields(nonce: str, **overrides: str) -> dict[str, str]:
    form = {"nonce": nonce, "lang": "zh", "name": "李四", "id_number": make_id(seq=401),
            "mobile": "13912345678", "group": "food_delivery", "employer": "美团", "consent": "1"}
    form.update(overrides)
    return form


def members_in_file(kiosk: Kiosk) -> list[tuple]:
    """Read the SQLite file itself, through a connection of its own."""
    with sqlite3.connect(kiosk.paths.database) as conn:
        return conn.execute("SELECT record_id, card_number, name, channel FROM members").fetchall()


def test_same_form_posted_twice_stores_one_member(kiosk, server):
    with httpx.Client(base_url=server) as phone:
        path = form_path(kiosk)
        data = fields(open_form(phone, path))
        first = phone.post(path, data=data)
        again = phone.post(path, data=data)  # a double tap, or "resend the form?" after a refresh
        assert first.status_code == again.status_code == 303
        assert first.headers["location"] == again.headers["location"]
        card = phone.get(first.headers["location"])
        assert card.status_code == 200 and "李四" in card.text
    rows = members_in_file(kiosk)
    assert len(rows) == 1 and rows[0][3] == "self_service"
    assert [m.record_id for m in kiosk.store.print_queue()] == [rows[0][0]]


def test_resubmitted_nonce_with_other_data_keeps_the_first_member(kiosk, server):
    with httpx.Client(base_url=server) as phone:
        path = form_path(kiosk)
        nonce = open_form(phone, path)
        first = phone.post(path, data=fields(nonce))
        edited = phone.post(path, data=fields(nonce, name="王五"))  # back button, edit, submit
        assert edited.status_code == 303 and edited.headers["location"] == first.headers["location"]
    assert [row[2] for row in members_in_file(kiosk)] == ["李四"]


def test_wrong_token_gets_a_friendly_page_not_a_form(kiosk, server):
    token = join_access(kiosk).token
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with httpx.Client(base_url=server) as phone:
        for path in (f"/join/{tampered}", "/join/", "/join"):
            page = phone.get(path)
            assert page.status_code == 404
            assert "<form" not in page.text and "登记暂未开放" in page.text
        nonce = open_form(phone, form_path(kiosk))
        refused = phone.post(f"/join/{tampered}", data=fields(nonce))
        assert refused.status_code == 404
    assert members_in_file(kiosk) == []


def test_closed_or_rotated_token_is_refused(kiosk, server):
    with httpx.Client(base_url=server) as phone:
        old_path = form_path(kiosk)
        nonce = open_form(phone, old_path)
        close_join(kiosk)
        assert phone.get(old_path).status_code == 404
        assert phone.post(old_path, data=fields(nonce)).status_code == 404
        rotate_join(kiosk)
        new_path = form_path(kiosk)
        assert new_path != old_path
        assert phone.get(old_path).status_code == 404
        # A form opened under the old token does not submit under the new one either.
        assert phone.post(new_path, data=fields(nonce)).status_code == 403
        assert phone.post(new_path, data=fields(open_form(phone, new_path))).status_code == 303
    assert len(members_in_file(kiosk)) == 1


def test_forged_nonce_or_missing_session_cookie_is_refused(kiosk, server):
    path = form_path(kiosk)
    with httpx.Client(base_url=server) as phone:
        nonce = open_form(phone, path)
        value, tag = nonce.split(".")
        forged = phone.post(path, data=fields(f"{value[:-2]}AA.{tag}"))
        assert forged.status_code == 403 and "页面已过期" in forged.text
    # Another site's page posting the victim's form: no session cookie comes with it.
    with httpx.Client(base_url=server) as attacker:
        assert attacker.post(path, data=fields(nonce)).status_code == 403
    # A cookie of its own does not make someone else's nonce valid.
    with httpx.Client(base_url=server) as other:
        open_form(other, path)
        assert other.post(path, data=fields(nonce)).status_code == 403
    assert members_in_file(kiosk) == []


def test_only_the_phone_that_signed_up_can_open_the_card(kiosk, server):
    path = form_path(kiosk)
    with httpx.Client(base_url=server) as phone:
        card_url = phone.post(path, data=fields(open_form(phone, path))).headers["location"]
        page = phone.get(card_url)
        png_url = re.search(r'<img class="card" src="([^"]+)"', page.text).group(1)
        png = phone.get(png_url)
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert "id_number" not in card_url and make_id(seq=401) not in card_url
    with httpx.Client(base_url=server) as stranger:
        assert stranger.get(card_url).status_code == 404
        assert stranger.get(png_url).status_code == 404
        stranger.cookies.set("rh_card", "forged", path=card_url.rstrip("/"))
        assert stranger.get(card_url).status_code == 404


def test_errors_are_shown_per_field_and_input_kept(kiosk, server):
    path = form_path(kiosk)
    bad_id = make_id(seq=402)[:-1] + ("0" if make_id(seq=402)[-1] != "0" else "1")
    with httpx.Client(base_url=server) as phone:
        nonce = open_form(phone, path)
        page = phone.post(path, data=fields(nonce, id_number=bad_id, mobile="12345", consent=""))
    assert page.status_code == 200
    html = page.text
    assert re.search(r'id="e-id_number">证件号码校验位不符', html)
    assert re.search(r'id="e-mobile">手机号应为11位', html)
    assert re.search(r'id="e-consent">需要本人勾选同意', html)
    assert 'id="e-name"' not in html
    assert 'value="李四"' in html and 'value="美团"' in html and 'value="12345"' in html
    assert '<option value="food_delivery" selected>' in html
    # The ID number comes back only as its own input's value.
    assert html.count(bad_id) == 1 and f'name="id_number" value="{bad_id}"' in html
    assert members_in_file(kiosk) == []


def test_already_a_member_is_told_the_card_number_masked(kiosk, server):
    path = form_path(kiosk)
    id_number = make_id(seq=403)
    with httpx.Client(base_url=server) as first:
        first.post(path, data=fields(open_form(first, path), id_number=id_number, name="赵六"))
    card_number = kiosk.store.find_active_by_id_number(id_number).card_number
    with httpx.Client(base_url=server) as second:
        page = second.post(path, data=fields(open_form(second, path), id_number=id_number))
    masked = id_number[:6] + "********" + id_number[-4:]
    assert f"证件号 {masked} 已是会员，会员卡号 {card_number}" in page.text
    assert "赵六" not in page.text
    assert page.text.count(id_number) == 1  # only in its own input
    assert len(members_in_file(kiosk)) == 1


def test_english_page_and_english_errors(kiosk, server):
    path = form_path(kiosk)
    with httpx.Client(base_url=server) as phone:
        page = phone.get(f"{path}?lang=en")
        assert '<html lang="en">' in page.text and ">Submit</button>" in page.text
        nonce = NONCE.search(page.text).group(1)
        again = phone.post(path, data=fields(nonce, lang="en", mobile="1"))
        assert "A mobile number has 11 digits" in again.text
        done = phone.post(path, data=fields(nonce, lang="en"))
        assert done.headers["location"].endswith("?lang=en")
        assert "Collect your printed card at the desk." in phone.get(done.headers["location"]).text


def test_oversized_or_non_form_bodies_are_refused(kiosk, server):
    path = form_path(kiosk)
    with httpx.Client(base_url=server) as phone:
        nonce = open_form(phone, path)
        huge = phone.post(path, data=fields(nonce, employer="x" * 20_000))
        assert huge.status_code == 413 and "提交内容过大" in huge.text
        as_json = phone.post(path, json=fields(nonce))
        assert as_json.status_code == 415
        not_utf8 = phone.post(path, content=b"name=%FF%FE&nonce=" + nonce.encode(),
                              headers={"content-type": "application/x-www-form-urlencoded"})
        assert not_utf8.status_code == 400
    assert members_in_file(kiosk) == []


def test_a_script_hammering_submits_is_throttled(kiosk):
    limits = RateLimits(view=Budget(burst=50, per_minute=1), submit=Budget(burst=20, per_minute=1))
    with serve_in_thread(selfreg_app(kiosk, limits)) as base, httpx.Client(base_url=base) as bot:
        path = form_path(kiosk)
        data = fields(open_form(bot, path), consent="")
        statuses = [bot.post(path, data=data).status_code for _ in range(30)]
    assert statuses[:20] == [200] * 20  # the form again, with its errors
    assert statuses[20:] == [429] * 10


def test_pages_are_small_and_allow_no_outside_request(kiosk, server):
    with httpx.Client(base_url=server) as phone:
        page = phone.get(form_path(kiosk), headers={"accept-encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    assert int(page.headers["content-length"]) < 30 * 1024
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp
    assert "<script" not in page.text and "http" not in page.text.replace('http-equiv', '')
    assert page.headers["cache-control"] == "no-store"


def test_two_hundred_simultaneous_phones_all_land_none_twice(kiosk, server):
    path = form_path(kiosk)

    async def phone(i: int, client: httpx.AsyncClient) -> str:
        nonce = NONCE.search((await client.get(path)).text).group(1)
        data = fields(nonce, id_number=make_id(seq=i % 1000, region="310101" if i < 1000 else "110105"),
                      name="工人" + "一二三四五六七八九十"[i % 10])
        # Every phone double-taps: two identical submits at once.
        first, second = await asyncio.gather(client.post(path, data=data), client.post(path, data=data))
        assert first.status_code == second.status_code == 303, (first.status_code, second.status_code)
        assert first.headers["location"] == second.headers["location"]
        return first.headers["location"]

    async def crowd() -> list[str]:
        limits = httpx.Limits(max_connections=1000)
        clients = [httpx.AsyncClient(base_url=server, limits=limits, timeout=60) for _ in range(200)]
        try:
            return await asyncio.gather(*(phone(i, c) for i, c in enumerate(clients)))
        finally:
            await asyncio.gather(*(c.aclose() for c in clients))

    # Its own thread and loop: a browser fixture elsewhere in this worker may hold a running loop.
    with ThreadPoolExecutor(max_workers=1) as runner:
        locations = runner.submit(asyncio.run, crowd()).result()
    assert len(set(locations)) == 200
    rows = members_in_file(kiosk)
    assert len(rows) == 200
    assert len({row[1] for row in rows}) == 200  # card numbers unique
    assert {f"/join/card/{row[0]}/" for row in rows} == set(locations)
    assert len(kiosk.store.print_queue()) == 200


def test_body_limit_middleware_guards_the_whole_app():
    app = FastAPI()
    app.add_middleware(BodyLimitMiddleware, limit=1000)

    @app.post("/echo")
    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(len(await request.body())))

    def chunks(n: int):
        for _ in range(n):
            yield b"x" * 100

    with serve_in_thread(app) as base, httpx.Client(base_url=base) as client:
        assert client.post("/echo", content=b"x" * 900).text == "900"
        assert client.post("/echo", content=b"x" * 1001).status_code == 413
        assert client.post("/echo", content=chunks(5)).text == "500"  # chunked, no length
        assert client.post("/echo", content=chunks(20)).status_code == 413
