"""The enroll and done screens as plain state and actions (Flet only draws them).

A form gets a record id when it is opened: pressing 提交 twice, or again after a dropped
connection, resubmits the same sign-up, which the store answers with the first result.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
import uuid
from dataclasses import dataclass, field

from kiosk.domain import DuplicateMemberError, FormError, mask_id_number, parse_id_number
from kiosk.domain.catalog import GENDERS, PLATFORM_SUGGESTIONS, label
from kiosk.domain.errors import DomainError, FieldError
from kiosk.i18n import t
from kiosk.service import Enrollment, Kiosk, StoredMember

# The order a volunteer reads an ID card (姓名, 民族, 公民身份号码), then what the worker says.
FIELD_ORDER = ("name", "ethnicity", "id_number", "mobile", "group", "employer", "education",
               "political_status", "hukou", "consent")
TEXT_FIELDS = ("name", "id_number", "mobile", "employer")

GROUP_PLATFORMS = {
    "truck_driver": ("满帮", "货拉拉"),
    "courier": ("顺丰", "京东", "中通", "圆通", "韵达", "申通", "极兔", "邮政EMS"),
    "food_delivery": ("美团", "饿了么"),
    "ride_hailing": ("滴滴出行", "曹操出行", "高德打车", "T3出行"),
    "estate_agent": ("链家", "贝壳找房", "我爱我家"),
}


@dataclass
class EnrollForm:
    """What is typed on the enroll screen, its errors, and a duplicate when the ID is known."""

    kiosk: Kiosk
    volunteer: str = ""
    lang: str = "zh"
    values: dict[str, str] = field(default_factory=dict)
    consent: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    duplicate: StoredMember | None = None
    record_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    last_submit_seconds: float = 0.0

    def __post_init__(self) -> None:
        if "group" not in self.values:
            self.values["group"] = self.kiosk.current_event().default_group or ""

    # --- editing ----------------------------------------------------------------------------
    def set(self, name: str, value: str) -> None:
        self.values[name] = value
        self.errors.pop(name, None)
        if name == "id_number":
            self.duplicate = None

    def choose_group(self, code: str) -> None:
        self.set("group", "" if self.values.get("group") == code else code)

    def set_consent(self, ticked: bool) -> None:
        self.consent = ticked
        self.errors.pop("consent", None)

    @property
    def holds_personal_data(self) -> bool:
        return any(self.values.get(f) for f in TEXT_FIELDS) or self.duplicate is not None

    def id_preview(self) -> str:
        """'1949-12-31 · 女' as soon as the ID number is complete and valid, else ''."""
        raw = self.values.get("id_number", "")
        if len(raw.strip()) < 18:
            return ""
        parsed = parse_id_number(raw, dt.date.today())
        if isinstance(parsed, FieldError):
            return ""
        return f"{parsed.birth_date.isoformat()} · {label(GENDERS, parsed.gender, self.lang)}"

    def platform_suggestions(self) -> tuple[str, ...]:
        typed = self.values.get("employer", "").strip()
        pool = GROUP_PLATFORMS.get(self.values.get("group", ""), PLATFORM_SUGGESTIONS)
        if typed:
            pool = tuple(p for p in PLATFORM_SUGGESTIONS if typed in p and p != typed)
        return pool[:8]

    # --- actions ----------------------------------------------------------------------------
    def form(self) -> dict[str, object]:
        data: dict[str, object] = {k: v for k, v in self.values.items() if v}
        data["consent"] = self.consent
        return data

    def submit(self) -> Enrollment | None:
        """Validate and save; None when there are errors (all of them now in `errors`)."""
        started = time.perf_counter()
        self.errors, self.duplicate = {}, None
        try:
            enrollment = self.kiosk.enroll(self.form(), volunteer=self.volunteer,
                                           record_id=self.record_id)
        except FormError as error:
            for fe in error.errors:
                self.errors.setdefault(fe.field, fe.message_en if self.lang == "en" else fe.message_zh)
            enrollment = None
        except DuplicateMemberError as error:
            self.duplicate = self.kiosk.find_member(error.record_id)
            self.errors["id_number"] = error.message_en if self.lang == "en" else error.message_zh
            enrollment = None
        except DomainError as error:  # record_conflict: the same form id with other data
            self.errors["form"] = error.message_en if self.lang == "en" else error.message_zh
            self.record_id = str(uuid.uuid4())
            enrollment = None
        self.last_submit_seconds = time.perf_counter() - started
        return enrollment

    def clear(self) -> None:
        """Next worker: nothing of the last one stays on screen."""
        self.values = {"group": self.kiosk.current_event().default_group or ""}
        self.consent = False
        self.errors = {}
        self.duplicate = None
        self.record_id = str(uuid.uuid4())

    def duplicate_summary(self) -> str:
        d = self.duplicate
        if d is None:
            return ""
        return t("ui.enroll.duplicate", self.lang, name=d.member.name, card=d.card_number,
                 id=mask_id_number(d.member.id_number), date=d.created_at[:10])


@dataclass
class DoneState:
    """The card just made (or reprinted), ready to print; cleared by 下一位."""

    kiosk: Kiosk
    stored: StoredMember
    reprint: bool = False
    message: str = ""
    _png: bytes | None = None

    def card_png(self) -> bytes:
        if self._png is None:
            self._png = self.kiosk.card_png(self.stored)
        return self._png

    def card_png_base64(self) -> str:
        return base64.b64encode(self.card_png()).decode()

    def print_card(self, actor: str, lang: str = "zh") -> str:
        """Print this card now (or write its PDF when there is no printer); the outcome text."""
        from kiosk.cards import card_pdf, print_pdf

        outcome = print_pdf(card_pdf(self.kiosk.card_face(self.stored)),
                            self.kiosk.paths.print_dir, self.stored.card_number)
        if self.reprint:
            self.kiosk.record_reprint(self.stored.record_id, actor=actor)
        self.message = outcome.message_en if lang == "en" else outcome.message_zh
        return self.message

    def queue_card(self, lang: str = "zh") -> str:
        self.kiosk.queue_print([self.stored.record_id])
        waiting = len(self.kiosk.print_queue())
        self.message = t("ui.done.queued", lang, n=waiting)
        return self.message
