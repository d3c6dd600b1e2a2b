"""The roster: the event's sign-ups, newest first, masked; reprint, correct, void with a reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiosk.domain import DomainError, FormError, mask_id_number, mask_mobile, mask_name
from kiosk.domain.catalog import GROUPS, label
from kiosk.i18n import t
from kiosk.service import Kiosk, StoredMember

CORRECTABLE_IN_UI = ("name", "mobile", "group", "employer")


@dataclass(frozen=True)
class RosterRow:
    record_id: str
    card_number: str
    name: str
    id_number: str
    mobile: str
    group: str
    time: str
    voided: bool
    volunteer: str


@dataclass
class RosterState:
    kiosk: Kiosk
    lang: str = "zh"
    query: str = ""
    scope: str = "event"  # event | today
    full_data: bool = False  # only while the admin lock is open
    message: str = ""
    rows: list[RosterRow] = field(default_factory=list)

    def refresh(self) -> None:
        event = self.kiosk.current_event().id
        kwargs = {"event": event} if self.scope == "event" else {"day": dt.date.today().isoformat()}
        found = self.kiosk.search_members(self.query, limit=200, **kwargs)
        self.rows = [self._row(s) for s in found]

    def _row(self, s: StoredMember) -> RosterRow:
        m = s.member
        full = self.full_data
        return RosterRow(
            record_id=s.record_id, card_number=s.card_number,
            name=m.name if full else mask_name(m.name),
            id_number=m.id_number if full else mask_id_number(m.id_number),
            mobile=m.mobile if full else mask_mobile(m.mobile),
            group=label(GROUPS, m.group, self.lang), time=s.created_at[11:16],
            voided=s.status == "voided", volunteer=m.volunteer)

    def counts(self) -> list[tuple[str, int]]:
        counts = self.kiosk.count_members_by_group(self.kiosk.current_event().id)
        return [(label(GROUPS, code, self.lang), counts[code]) for code, _, _ in GROUPS
                if counts.get(code)]

    def total(self) -> int:
        return self.kiosk.count_active_members(self.kiosk.current_event().id)

    def stored(self, record_id: str) -> StoredMember:
        found = self.kiosk.find_member(record_id)
        if found is None:
            raise DomainError("not_found")
        return found

    def void(self, record_id: str, reason: str, actor: str) -> bool:
        try:
            self.kiosk.void_member(record_id, actor=actor, reason=reason)
        except DomainError as error:
            self.message = error.message_en if self.lang == "en" else error.message_zh
            return False
        self.message = t("ui.roster.voided", self.lang)
        self.refresh()
        return True

    def correct(self, record_id: str, changes: dict[str, str], reason: str,
                actor: str) -> dict[str, str]:
        """Apply `changes` (validated like a new form); field -> message for what is wrong."""
        try:
            self.kiosk.correct_member(
                record_id, {k: v for k, v in changes.items() if k in CORRECTABLE_IN_UI},
                actor=actor, reason=reason)
        except FormError as error:
            return {e.field: (e.message_en if self.lang == "en" else e.message_zh)
                    for e in error.errors}
        except DomainError as error:
            if error.code == "not_found":  # no such row on screen: a bug, not a volunteer's slip
                raise
            return {"reason" if error.code == "reason.required" else "form":
                    error.message_en if self.lang == "en" else error.message_zh}
        self.message = t("ui.roster.corrected", self.lang)
        self.refresh()
        return {}

    def audit(self, record_id: str) -> list[str]:
        return [f"{a['at'][:16].replace('T', ' ')} {a['action']} {a['actor']} {a['reason']}".strip()
                for a in self.kiosk.audit_trail(record_id)]

    def print_sheet(self) -> str:
        """Print the queued cards as A4 sheets of 10 (or write the PDF)."""
        from kiosk.cards import print_pdf, sheet_pdf

        queued = self.kiosk.print_queue()
        if not queued:
            return t("ui.roster.queue_empty", self.lang)
        pdf = sheet_pdf([self.kiosk.card_face(s) for s in queued])
        outcome = print_pdf(pdf, self.kiosk.paths.print_dir,
                            f"sheet-{dt.datetime.now():%Y%m%d-%H%M%S}")
        self.kiosk.mark_printed([s.record_id for s in queued])
        return outcome.message_en if self.lang == "en" else outcome.message_zh
