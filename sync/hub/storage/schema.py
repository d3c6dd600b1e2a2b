"""The hub's tables, written once as numbered steps and rendered for each database.

A step is applied once: SQLite records the last one in ``PRAGMA user_version`` (a hub file made
by the first schema, before there were versions, has 0 and takes them all: step 1 only creates
what is missing), PostgreSQL in ``schema_migrations`` (sync.hub.storage.postgres). Append a
step, never edit one that has shipped. A step may hold statements for one database only (the
figures' covering index is SQLite's); a database's versions are the steps that have statements
for it, so PostgreSQL's latest is 3 while SQLite's is 5.

Types are written as kinds (``$int``, ``$bigint``, ``$bytes``, ``$bool``, the keys) that
sync.hub.storage.dialect names for each database: text where SQLite has TEXT (a record body is
kept as the exact canonical JSON its hash was taken over), bytea for keys, bigint for Unix
times and sequence numbers on PostgreSQL.
"""

from __future__ import annotations

from string import Template
from typing import Callable, NamedTuple, Union

from sync.hub.storage.dialect import Dialect

Statement = Union[str, Callable[[Dialect], str]]


class Step(NamedTuple):
    version: int
    both: tuple[Statement, ...] = ()
    sqlite: tuple[Statement, ...] = ()
    postgresql: tuple[Statement, ...] = ()


def _backfill_facts(d: Dialect) -> str:
    # The plain columns of step 2 for the sign-ups stored before it (sync.hub.storage.records
    # facts_of, in SQL).
    def field(key: str) -> str:
        return f"coalesce({d.json_text('body', key)}, '')"

    mobile = f"trim({field('mobile')})"
    return (f"UPDATE signups SET grp = trim({field('group')}), "
            f"union_org = trim({field('union_org')}), "
            f"event = substr(trim({field('event')}), 1, 60), "
            f"channel = trim({field('channel')}), "
            f"day = substr({field('created_at')}, 1, 10), "
            "area = substr(id_number, 1, 6), "
            f"name = trim({field('name')}), "
            f"mobile4 = {d.last_chars(mobile, 4)}")


STEPS: tuple[Step, ...] = (
    Step(1, both=(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE IF NOT EXISTS device_codes (
    code_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    expires_at $bigint NOT NULL,
    used_at $bigint,
    used_by_key $bytes,
    device $int
)""",
        """CREATE TABLE IF NOT EXISTS devices (
    device $device_key,
    public_key $bytes NOT NULL UNIQUE,
    prefix TEXT NOT NULL UNIQUE,
    provisional_prefix TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at $bigint NOT NULL,
    revoked_at TEXT
)""",
        """CREATE TABLE IF NOT EXISTS nonces (
    device $int NOT NULL,
    nonce TEXT NOT NULL,
    seen_at $bigint NOT NULL,
    PRIMARY KEY (device, nonce)
)$without_rowid""",
        """CREATE TABLE IF NOT EXISTS persons (
    member_id $member_key,
    id_number TEXT NOT NULL UNIQUE,
    canonical_record TEXT NOT NULL,
    canonical_card TEXT NOT NULL,
    created_at TEXT NOT NULL
)""",
        """CREATE TABLE IF NOT EXISTS signups (
    record_id TEXT PRIMARY KEY,
    device $int NOT NULL,
    seq $bigint NOT NULL,
    card_number TEXT NOT NULL UNIQUE,
    id_number TEXT NOT NULL,
    member_id $bigint,
    body TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    created_at TEXT NOT NULL,
    receipt_id TEXT NOT NULL,
    received_at TEXT NOT NULL
)""",
        "CREATE INDEX IF NOT EXISTS signups_member ON signups(member_id)",
        """CREATE TABLE IF NOT EXISTS changes (
    device $int NOT NULL,
    seq $bigint NOT NULL,
    record_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    receipt_id TEXT NOT NULL,
    PRIMARY KEY (device, seq)
)""",
        """CREATE TABLE IF NOT EXISTS receipts (
    receipt_id TEXT PRIMARY KEY,
    device $int NOT NULL,
    batch_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL,
    signature TEXT NOT NULL
)""",
        """CREATE TABLE IF NOT EXISTS orgs (code TEXT PRIMARY KEY, name TEXT NOT NULL,
                                 parent TEXT NOT NULL DEFAULT '')""",
    ), postgresql=(
        # Old nonces are dropped by age (the stores' _remember).
        "CREATE INDEX IF NOT EXISTS nonces_seen ON nonces(seen_at)",
    )),
    # The admin pages: the plain columns of each sign-up (records.FACT_COLUMNS), the kiosks'
    # status reports, users and sessions, the hub's own changes to members, the review queue
    # and the export log.
    Step(2, both=(
        *(f"ALTER TABLE signups ADD COLUMN {column} TEXT NOT NULL DEFAULT ''"
          for column in ("grp", "union_org", "event", "channel", "day", "area", "name",
                         "mobile4")),
        _backfill_facts,
        "CREATE INDEX IF NOT EXISTS signups_name ON signups(name)",
        "CREATE INDEX IF NOT EXISTS signups_mobile4 ON signups(mobile4)",
        "ALTER TABLE devices ADD COLUMN last_sync_at TEXT",
        "ALTER TABLE devices ADD COLUMN last_report_at TEXT",
        "ALTER TABLE devices ADD COLUMN report TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE receipts ADD COLUMN received_at TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE orgs ADD COLUMN county TEXT NOT NULL DEFAULT ''",
        """CREATE TABLE IF NOT EXISTS admin_users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at $bigint NOT NULL,
    disabled_at $bigint
)""",
        """CREATE TABLE IF NOT EXISTS admin_sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at $bigint NOT NULL,
    expires_at $bigint NOT NULL
)""",
        "CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at $bigint NOT NULL)",
        "CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(key, at)",
        """CREATE TABLE IF NOT EXISTS member_changes (
    change_id $serial_key,
    record_id TEXT NOT NULL,
    member_id $bigint,
    username TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    before TEXT NOT NULL DEFAULT '{}',
    after TEXT NOT NULL DEFAULT '{}'
)""",
        "CREATE INDEX IF NOT EXISTS member_changes_record ON member_changes(record_id)",
        """CREATE TABLE IF NOT EXISTS review_items (
    item_id $serial_key,
    source TEXT NOT NULL,
    device $int NOT NULL,
    seq $bigint NOT NULL,
    record_id TEXT NOT NULL,
    problem TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}',
    body TEXT NOT NULL DEFAULT '{}',
    reported_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    resolution TEXT,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (device, seq, problem)
)""",
        """CREATE TABLE IF NOT EXISTS export_log (
    export_id $serial_key,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    at TEXT NOT NULL,
    format TEXT NOT NULL,
    scope TEXT NOT NULL,
    since TEXT,
    until TEXT,
    full_ids $bool NOT NULL,
    row_count $int NOT NULL,
    member_ranges TEXT NOT NULL
)""",
    )),
    # The admin member pages: a person's history by member, kiosk changes by record; and, on
    # PostgreSQL, the name index in byte order (COLLATE "C"), so a name prefix is one index
    # range whatever the database's locale (a linguistic collation does not keep prefixes
    # together). SQLite compares text by bytes already.
    Step(3, both=(
        "CREATE INDEX IF NOT EXISTS member_changes_member ON member_changes(member_id)",
        "CREATE INDEX IF NOT EXISTS changes_record ON changes(record_id)",
    ), postgresql=(
        "DROP INDEX IF EXISTS signups_name",
        'CREATE INDEX signups_name ON signups (name COLLATE "C")',
    )),
    # Every column the figures read (sync.hub.figure_counts): SQLite scans this instead of the
    # table, whose rows carry the JSON bodies (HUB.md has the figures). PostgreSQL needs none
    # (hash aggregates, GROUPING SETS).
    Step(4, sqlite=(
        "CREATE INDEX IF NOT EXISTS signups_figures ON signups(event, channel, day, device, "
        "union_org, grp, area, status, member_id, record_id)",
    )),
    # The same columns led by the day, the rest of where people joined, then the member id,
    # which grows as people arrive: a kiosk's batch (one event, day and device) lands at the end
    # of a run or two, where the order above scattered it over a page for each group and birth
    # area, so a batch writes less WAL, the more so the larger the hub. The figures query
    # groups in this order (sync.hub.figure_counts), and a date range now seeks.
    Step(5, sqlite=(
        "DROP INDEX IF EXISTS signups_figures",
        "CREATE INDEX IF NOT EXISTS signups_by_day ON signups(day, event, channel, device, "
        "union_org, member_id, grp, area, status, record_id)",
    )),
)


def steps_for(dialect: Dialect) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """(version, statements) of every step `dialect` has statements in, in order."""
    def render(statement: Statement) -> str:
        if callable(statement):
            return statement(dialect)
        return Template(statement).substitute(dialect.types)

    rendered = ((step.version, tuple(map(render, (*step.both, *getattr(step, dialect.name)))))
                for step in STEPS)
    return tuple((version, statements) for version, statements in rendered if statements)


def latest_step(dialect: Dialect) -> int:
    return steps_for(dialect)[-1][0]
