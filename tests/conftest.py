import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Speed lives in bench/: a loaded CI machine must not fail a property test on a deadline.
settings.register_profile("ruhui", deadline=None)
settings.load_profile("ruhui")

sys.path.insert(0, str(Path(__file__).parent))  # tests' own helpers (idgen)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No test sees the developer's kiosk data or font overrides."""
    for name in list(os.environ):
        if name.startswith(("KIOSK_", "RUHUI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "kiosk-data"))
