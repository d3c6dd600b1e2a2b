"""Kill -9 after "saved": nothing reported saved may be missing, nothing may be half-written."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from tests.support.idgen import make_id

KIOSK = [sys.executable, "-m", "kiosk.cli.__main__"]


def feed(proc: subprocess.Popen, start: int, count: int) -> None:
    """Write sign-ups until the process dies (its stdin closes)."""
    try:
        for n in range(start, start + count):
            line = {"name": "张三", "id_number": make_id(seq=n % 1000, region=f"1101{n // 1000:02d}"),
                    "mobile": "13800138000", "group": "courier", "union_org": "CN-1",
                    "consent": True}
            proc.stdin.write((json.dumps(line, ensure_ascii=False) + "\n").encode())
            proc.stdin.flush()
    except (BrokenPipeError, OSError):
        pass


def test_every_reported_sign_up_survives_sigkill(tmp_path):
    data_dir = tmp_path / "data"
    env = {**os.environ, "KIOSK_DATA_DIR": str(data_dir)}
    rng = random.Random(20261125)
    reported: set[str] = set()
    next_number = 0
    for round_ in range(5):
        proc = subprocess.Popen([*KIOSK, "enroll", "--json", "-"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, env=env, cwd=Path(__file__).resolve().parents[2])
        writer = threading.Thread(target=feed, args=(proc, next_number, 5000), daemon=True)
        writer.start()
        kill_after = rng.randint(20, 400)
        for _ in range(kill_after):
            result = json.loads(proc.stdout.readline())
            assert result["ok"], result
            reported.add(result["record_id"])
        proc.send_signal(signal.SIGKILL)  # mid-stream: more sign-ups are in flight
        proc.wait()
        writer.join()
        proc.stdout.close()
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass  # the writer's last line was cut by the kill, as intended
        next_number += 5000

        conn = sqlite3.connect(data_dir / "kiosk.sqlite3")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in conn.execute("SELECT record_id FROM members")}
        assert reported <= stored, f"round {round_}: {len(reported - stored)} saved sign-ups lost"
        # No half-written record: every member has its outbox row, and every outbox row its member.
        assert conn.execute("SELECT count(*) FROM members m WHERE NOT EXISTS "
                            "(SELECT 1 FROM outbox o WHERE o.record_id = m.record_id)").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM outbox o WHERE NOT EXISTS "
                            "(SELECT 1 FROM members m WHERE m.record_id = o.record_id)").fetchone()[0] == 0
        # Card numbers come from blocks reserved in the durable counter: the counter is never
        # behind a number on a card, so the next process cannot hand that number out again.
        top, counter = conn.execute(
            "SELECT max(CAST(substr(card_number, 6, 6) AS INTEGER)), (SELECT value FROM counters "
            "WHERE name = 'card_sequence:' || device_prefix) FROM members").fetchone()
        assert top <= counter
        conn.close()
    assert len(reported) >= 100
