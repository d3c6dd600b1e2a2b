"""Debian's Chromium, headless, for the tests that open pages (Playwright drives it; it never
downloads a browser of its own)."""

EXECUTABLE = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
