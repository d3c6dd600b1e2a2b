"""A real kiosk (uvicorn on 127.0.0.1, SQLite in tmp) and headless Chromium for each test.

Every page a test opens records its requests; a test fails if any went outside the kiosk.
Screenshots go to tests/_artifacts/screenshots, emptied once per session (by the xdist
controller, before workers start).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from flet_web import get_package_web_dir

from kiosk.service import Kiosk
from kiosk.web.app import WebOptions, build_app, warm
from kiosk.web.client import ClientFiles
from kiosk.fonts.web import WebFonts

from tests.support.flutter import ARGS, CHROMIUM

ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / "tests" / "_artifacts" / "screenshots"
# Generated fonts and the compressed client survive between runs (like a kiosk's own cache).
WEB_CACHE = ROOT / "var" / "test-web-cache"


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller, or a run without xdist
        shutil.rmtree(SHOTS, ignore_errors=True)
        SHOTS.mkdir(parents=True, exist_ok=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Characters the tests type: their font files are made before any page asks for them.
TEST_TEXT = "张明李华䶮㐁𠮷𠀋孙六李思王五赵六周七吴八郑九陈十"


@pytest.fixture(scope="session", autouse=True)
def warm_web_cache():
    """Make the compressed client and the fonts the tests need once, before the first page.

    On a fresh clone the cache is empty and a kiosk makes these files on demand, each cut from
    a 19 MB font: a page would then paint boxes for seconds while its fonts are made, and the
    glyph test could compare two frames of boxes. A real kiosk warms at start the same way."""
    fonts = WebFonts(WEB_CACHE, Path(get_package_web_dir()) / "main.dart.js")
    warm(ClientFiles(WEB_CACHE), fonts)
    for number in fonts.rare_chunks_for(TEST_TEXT):
        fonts.rare_chunk(number)
    for font in {i for ch in TEST_TEXT for i in fonts.table.fonts_for(ord(ch))}:
        fonts.fallback_slice(fonts.table.fonts[font][1])


class RunningKiosk:
    def __init__(self, data_dir: Path) -> None:
        self.kiosk = Kiosk.open(str(data_dir))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.app = app = build_app(self.kiosk, WebOptions(cache_dir=WEB_CACHE, port=self.port))
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "RunningKiosk":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the kiosk server did not start")
            time.sleep(0.02)  # polling a flag of our own server, not synchronising the UI
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.kiosk.close()


@pytest.fixture
def kiosk_server(tmp_path):
    running = RunningKiosk(tmp_path / "kiosk").start()
    yield running
    running.stop()


@pytest.fixture
def browser(playwright_driver):
    """A fresh Chromium per test: focus and caches never leak between tests."""
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()



@pytest.fixture
def new_page(browser, kiosk_server):
    """Open pages on the kiosk; each records every request it makes."""
    contexts, outside = [], []

    def make(width: int = 1280, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)

        def record(request):
            if not request.url.startswith((kiosk_server.url, "blob:", "data:")):
                outside.append(request.url)
        page.on("request", record)
        return page

    yield make
    for context in contexts:
        context.close()
    assert outside == [], f"requests outside the kiosk: {outside}"
