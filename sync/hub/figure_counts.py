"""The figures federation staff report (no HTTP here): members enrolled by occupation group,
county, event, channel and day, and the headline numbers of a speech (members enrolled,
ceremonies held, unions reached, kiosks active).

A member is a person with at least one active sign-up, counted once and attributed by their
canonical sign-up (the first of their sign-ups to reach the hub): a worker signed up at two
kiosks counts once, where the first sign-up says; a voided sign-up counts for nobody unless the
person has another active one. The counts come from the plain columns of signups (grp,
union_org, event, channel, day, area, device), never from JSON bodies, in one statement
(sqlite_query, postgres_query); this module adds its rows up per breakdown.

County: the union organisation's county when the orgs list gives one (orgs.county), otherwise
the six-digit division code at the head of the ID number (signups.area). Either is shown by the
name of the orgs entry with that code when there is one (county federations are organisations
too), else as it is.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from kiosk.domain import catalog

# The canonical sign-ups of members are counted two ways, so each returns few rows: where and
# when people joined (event, channel, day, device, union_org: a kiosk's day, a few hundred rows),
# and who they are (grp, union_org, area: occupation by place). Counting by every column at once
# would return their product, tens of thousands of rows for 100,000 members.
WHERE_ROWS = ("event", "channel", "day", "device", "union_org")
WHO_ROWS = ("grp", "union_org", "area")
BREAKDOWNS = ("group", "county", "event", "channel", "day")


def _filters(mark: str, since: str, until: str, group: str, county: str
             ) -> tuple[str, list[str]]:
    where, params = [], []
    for clause, values in ((f"c.day >= {mark}", (since,)), (f"c.day <= {mark}", (until,)),
                           (f"c.grp = {mark}", (group,)),
                           (f"(c.union_org IN (SELECT code FROM orgs WHERE county = {mark}) "
                            f"OR (c.area = {mark} AND c.union_org NOT IN "
                            "(SELECT code FROM orgs WHERE county <> '')))", (county, county))):
        if values[0]:
            where.append(clause)
            params.extend(values)
    return "".join(f" AND {w}" for w in where), params


def _columns(names: tuple[str, ...]) -> str:
    return ", ".join(f"c.{name}" for name in names)


def sqlite_query(since: str, until: str, group: str, county: str) -> tuple[str, tuple]:
    """SQLite (no GROUPING SETS): the members' canonical sign-ups gathered once into a
    materialised table, then counted by each set of columns; rows shaped as postgres_query's.
    A member's canonical sign-up is found from the sign-up's side (persons by member_id, its
    integer key), so the pass reads signups in order instead of probing it 100,000 times by
    record id; `c.status = 'active' OR ...` runs the EXISTS probe only for people whose
    canonical sign-up was voided."""
    where, params = _filters("?", since, until, group, county)
    blanks = ", ".join("''" if name != "device" else "0" for name in WHERE_ROWS)
    # grouped in the order of the index the pass reads (storage.schema: signups_by_day), so the
    # rows reach the sorter almost in order
    by_day = ", ".join(sorted(WHERE_ROWS, key=lambda name: name != "day"))
    return (f"WITH m AS MATERIALIZED (SELECT {_columns(WHERE_ROWS + ('grp', 'area'))} "
            "FROM signups c WHERE c.record_id = (SELECT p.canonical_record FROM persons p "
            "WHERE p.member_id = c.member_id) AND (c.status = 'active' OR EXISTS "
            "(SELECT 1 FROM signups a WHERE a.member_id = c.member_id AND a.status = 'active'))"
            + where + f") SELECT 0, {', '.join(WHERE_ROWS)}, '', '', '', count(*) FROM m "
            f"GROUP BY {by_day} UNION ALL SELECT 1, {blanks}, "
            f"{', '.join(WHO_ROWS)}, count(*) FROM m GROUP BY {', '.join(WHO_ROWS)}",
            tuple(params))


def postgres_query(since: str, until: str, group: str, county: str) -> tuple[str, tuple]:
    """PostgreSQL: one pass (a hash join of persons and signups) counted by both sets of
    columns at once (GROUPING SETS); the first column tells the sets apart (0: WHERE_ROWS).
    OFFSET 0 keeps the EXISTS probe a per-row check, run only where the canonical sign-up
    is voided, instead of a hash of every active member built for each request."""
    where, params = _filters("%s", since, until, group, county)
    return (f"SELECT GROUPING(c.event), {_columns(WHERE_ROWS)}, {_columns(WHO_ROWS)}, count(*) "
            "FROM persons p JOIN signups c ON c.record_id = p.canonical_record "
            "WHERE (c.status = 'active' OR EXISTS (SELECT 1 FROM signups a "
            "WHERE a.member_id = p.member_id AND a.status = 'active' OFFSET 0))" + where
            + f" GROUP BY GROUPING SETS (({_columns(WHERE_ROWS)}), ({_columns(WHO_ROWS)}))",
            tuple(params))


def split_grouping_sets(rows: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """sqlite_query's or postgres_query's rows as (WHERE_ROWS + count, WHO_ROWS + count)."""
    n = len(WHERE_ROWS)
    where = [row[1:n + 1] + row[-1:] for row in rows if row[0] == 0]
    who = [row[n + 1:] for row in rows if row[0] != 0]
    return where, who


@dataclass(frozen=True)
class Bar:
    key: str  # what the CSV and filters use: a code, a county key, an event name, a date
    label: str  # what a person reads
    count: int


@dataclass
class Figures:
    members: int = 0
    ceremonies: int = 0
    unions: int = 0
    kiosks: int = 0
    breakdowns: dict[str, list[Bar]] = field(default_factory=dict)


def _label_of(table: tuple[tuple[str, str, str], ...], code: str, lang: str) -> str:
    return catalog.label(table, code, lang) or code


def _by_count(counter: Counter, label) -> list[Bar]:
    # Largest first; ties by key, so the order is stable from one reload to the next.
    return [Bar(key, label(key), n) for key, n in sorted(counter.items(),
                                                         key=lambda kv: (-kv[1], kv[0]))]


def _days(counter: Counter) -> list[Bar]:
    """Every day from the first to the last, zeros included (a gap in a chart is a fact)."""
    dated = {}
    for key, n in counter.items():
        try:
            dated[dt.date.fromisoformat(key)] = n
        except ValueError:
            continue  # a sign-up without a date cannot be placed on the axis
    if not dated:
        return []
    first, last = min(dated), max(dated)
    if (last - first).days > 3660:  # a mistyped kiosk clock must not make a million bars
        return [Bar(d.isoformat(), d.isoformat(), n) for d, n in sorted(dated.items())]
    span = ((first + dt.timedelta(days=i)) for i in range((last - first).days + 1))
    return [Bar(d.isoformat(), d.isoformat(), dated.get(d, 0)) for d in span]


def county_of(union_org: str, area: str, org_counties: dict[str, str]) -> str:
    """The county a member is counted in: their union's, else their ID number's division."""
    return org_counties.get(union_org) or area


def tally(where_rows: Iterable[tuple], who_rows: Iterable[tuple],
          orgs: Iterable[tuple[str, str, str]], lang: str, no_value: str) -> Figures:
    """The figures from the store's two counts (figure_rows: WHERE_ROWS and WHO_ROWS,
    each with its count last). `orgs`: (code, name, county) of the orgs list; `no_value`: how
    an empty event or county reads."""
    names = {code: name for code, name, _ in orgs}
    counties = {code: county for code, _, county in orgs if county}
    by: dict[str, Counter] = {name: Counter() for name in BREAKDOWNS}
    ceremonies, unions, kiosks = set(), set(), set()
    total = 0
    for event, channel, day, device, union_org, n in where_rows:
        total += n
        by["event"][event] += n
        by["channel"][channel] += n
        by["day"][day] += n
        if channel == "ceremony" and event:
            ceremonies.add(event)
        if union_org:
            unions.add(union_org)
        kiosks.add(device)
    for group, union_org, area, n in who_rows:
        by["group"][group] += n
        by["county"][county_of(union_org, area, counties)] += n
    return Figures(
        members=total, ceremonies=len(ceremonies), unions=len(unions), kiosks=len(kiosks),
        breakdowns={
            "group": _by_count(by["group"],
                               lambda k: _label_of(catalog.GROUPS, k, lang) or no_value),
            "county": _by_count(by["county"], lambda k: names.get(k, k) or no_value),
            "event": _by_count(by["event"], lambda k: k or no_value),
            "channel": _by_count(by["channel"],
                                 lambda k: _label_of(catalog.CHANNELS, k, lang) or no_value),
            "day": _days(by["day"]),
        })
