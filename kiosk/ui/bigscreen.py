"""The big screen for the projector: total, bars by group, the last joiners as 张*明."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.domain import mask_name
from kiosk.domain.catalog import GROUPS, label
from kiosk.i18n import t
from kiosk.service import Kiosk

RECENT = 6


@dataclass(frozen=True)
class Bar:
    code: str
    label: str
    count: int
    share: float  # of the largest group, 0..1, for the bar length


@dataclass
class BigScreenState:
    kiosk: Kiosk
    lang: str = "zh"
    total: int = 0
    bars: list[Bar] = field(default_factory=list)
    recent: list[str] = field(default_factory=list)
    event_name: str = ""

    def refresh(self) -> None:
        event = self.kiosk.current_event()
        counts = self.kiosk.count_members_by_group(event.id)
        top = max(counts.values(), default=0) or 1
        self.event_name = event.name
        self.total = sum(counts.values())
        self.bars = [Bar(code, label(GROUPS, code, self.lang), counts.get(code, 0),
                         counts.get(code, 0) / top) for code, _, _ in GROUPS[:8]]
        extra = sum(n for code, n in counts.items() if code not in {c for c, _, _ in GROUPS[:8]})
        if extra:
            self.bars.append(Bar("other", t("ui.big.other", self.lang), extra, extra / top))
        latest = self.kiosk.search_members(event=event.id, include_voided=False, limit=RECENT)
        self.recent = [mask_name(s.member.name) for s in latest]
