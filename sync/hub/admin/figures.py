"""Admin pages: figures. Members enrolled by occupation group, county, event, channel and day,
with the headline numbers of a report (sync.hub.figure_counts says what is counted and how),
drawn as inline SVG charts (sync.hub.admin.charts) beside tables of the same numbers.

Filters (a date range on the day of the sign-up, one group, one county) are GET parameters:
they are not personal, and a filtered page can be bookmarked or sent to a colleague. Each
breakdown downloads as CSV (UTF-8 with BOM, for Excel) at /admin/figures.csv with the same
filters.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kiosk.domain import catalog
from kiosk.i18n import t
from kiosk.primitives.csv_cells import safe_cell
from sync.hub.admin.auth import AdminUser
from sync.hub.admin.charts import bar_chart, column_chart
from sync.hub.admin.web import SECURITY_HEADERS, lang_of, render, requires, store_of
from sync.hub.export_scope import parse_day
from sync.hub.figure_counts import BREAKDOWNS, Bar, Figures, tally

router = APIRouter()
TOP = 15  # bars in a chart (and rows in its table); the rest are summed as "others"


def _filters(since: str, until: str, group: str, county: str) -> tuple[dict[str, str], str]:
    """The filters as the store takes them (invalid ones dropped), and an error key or ''."""
    out = {"since": "", "until": "", "group": "", "county": ""}
    error = ""
    for name, value in (("since", since), ("until", until)):
        if value.strip():
            day = parse_day(value[:20])
            if day is None:
                error = "admin.figures.bad_date"
            else:
                out[name] = day.isoformat()
    if out["since"] and out["until"] and out["since"] > out["until"]:
        error, out["since"], out["until"] = "admin.figures.dates_order", "", ""
    if group in catalog.codes(catalog.GROUPS):
        out["group"] = group
    county = county.strip()[:60]
    if county.isprintable():
        out["county"] = county
    return out, error


def _figures(request: Request, filters: dict[str, str], lang: str) -> Figures:
    store = store_of(request)
    where, who = store.figure_rows(filters["since"], filters["until"], filters["group"],
                                   filters["county"])
    return tally(where, who, store.orgs_with_counties(), lang, t("admin.figures.none_given", lang))


def _top(bars: list[Bar], lang: str) -> list[Bar]:
    if len(bars) <= TOP:
        return bars
    rest = bars[TOP - 1:]
    return bars[:TOP - 1] + [Bar("", t("admin.figures.others", lang, n=len(rest)),
                                 sum(b.count for b in rest))]


def _describe(name: str, bars: list[Bar], total: int, lang: str) -> str:
    """What a chart shows, in words (its <desc>): the largest three and the total."""
    largest = sorted(bars, key=lambda b: -b.count)[:3]
    return t("admin.figures.desc", lang, what=t(f"admin.figures.by.{name}", lang), total=total,
             top="，".join(f"{b.label} {b.count}" for b in largest) if lang == "zh"
             else ", ".join(f"{b.label} {b.count}" for b in largest))


@router.get("/admin/figures")
def figures_page(request: Request, since: str = "", until: str = "", group: str = "",
                 county: str = "", user: AdminUser = Depends(requires("view"))) -> Response:
    lang = lang_of(request)
    filters, error = _filters(since, until, group, county)
    figures = _figures(request, filters, lang)
    sections = []
    for name in BREAKDOWNS:
        bars = figures.breakdowns[name]
        title = t(f"admin.figures.by.{name}", lang)
        desc = _describe(name, bars, figures.members, lang)
        shown = bars if name == "day" else _top(bars, lang)
        chart = (column_chart(shown, title, desc) if name == "day"
                 else bar_chart(shown, title, desc)) if bars else ""
        sections.append({"name": name, "title": title, "chart": chart,
                         "rows": shown if name != "day" else bars})
    groups = [(code, catalog.label(catalog.GROUPS, code, lang)) for code, _, _ in catalog.GROUPS]
    counties = [(b.key, b.label) for b in figures.breakdowns["county"]]
    if filters["county"] and filters["county"] not in dict(counties):
        counties.append((filters["county"], filters["county"]))
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "figures.html", user=user, nav="figures", figures=figures,
                  sections=sections, filters=filters, groups=groups, counties=counties,
                  error=t(error, lang) if error else "", status=400 if error else 200,
                  query=query)


@router.get("/admin/figures.csv")
def figures_csv(request: Request, breakdown: str = "group", since: str = "", until: str = "",
                group: str = "", county: str = "",
                user: AdminUser = Depends(requires("view"))) -> Response:
    """One breakdown as CSV: code, name, members (every row, not only the charted ones)."""
    lang = lang_of(request)
    if breakdown not in BREAKDOWNS:
        breakdown = "group"
    filters, _error = _filters(since, until, group, county)
    bars = _figures(request, filters, lang).breakdowns[breakdown]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t("admin.figures.csv.key", lang), t("admin.figures.csv.label", lang),
                     t("admin.figures.csv.members", lang)])
    writer.writerows([safe_cell(b.key), safe_cell(b.label), b.count] for b in bars)
    name = f"ruhui-figures-{breakdown}.csv"
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={**SECURITY_HEADERS,
                             "Content-Disposition": f'attachment; filename="{name}"'})
