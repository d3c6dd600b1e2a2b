"""The kiosk's library face: validate, store durably, sign, and draw cards.

The CLI, the Flet screens and the phone page all call this; none of them talks to SQLite or the
card code directly for a sign-up, so the rules hold whichever door a worker comes through. Kiosk is made of
parts: sign-ups, events and cards here, the records in kiosk.service.records, the settings in
kiosk.service.settings, and the uploader's door, `kiosk.outbox` (kiosk.service.outbox).
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, NamedTuple

from kiosk.cards import (CardClaims, CardFace, CardSigner, DeviceKey, Keyring,
                         load_or_create_device_key, render_card_png, verify_card_token)
from kiosk.config import KioskPaths
from kiosk.fonts.cjk import undrawable
from kiosk.domain import DomainError, FieldError, FormError, Member
from kiosk.domain.member import validate_member
from kiosk.domain.card_number import provisional_prefix
from kiosk.domain.catalog import GROUPS, label
from kiosk.domain.consent import consent_version
from kiosk.domain.event import Event, default_event
from kiosk.domain.id_number import mask_id_number
from kiosk.domain.text_fields import normalise_name
from kiosk.primitives.private_files import private_dir
from kiosk.service.outbox import KioskOutbox
from kiosk.service.records import MemberRecords
from kiosk.service.settings import KioskSettings
from kiosk.storage import DeviceIdentity, StaleIssuerError, Store, StoredMember
from kiosk.storage.store import NewMember

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnrollRequest:
    """One sign-up waiting to be stored (see Kiosk.enroll_many)."""

    form: Mapping[str, Any]
    channel: str = "ceremony"
    volunteer: str = ""
    record_id: str | None = None
    queue_print: bool = False


@dataclass(frozen=True)
class Enrollment:
    """A sign-up that is durably saved: safe to tell the worker."""

    stored: StoredMember
    created: bool  # False when the same record id came again (a resubmitted form)

    @property
    def record_id(self) -> str:
        return self.stored.record_id

    @property
    def card_number(self) -> str:
        return self.stored.card_number

    @property
    def token(self) -> str:
        return self.stored.token

    def to_dict(self) -> dict[str, Any]:
        return {"ok": True, "record_id": self.record_id, "card_number": self.card_number,
                "token": self.token}


class Kiosk(MemberRecords, KioskSettings):
    """One kiosk: its store, its device key and its current event."""

    def __init__(self, paths: KioskPaths) -> None:
        self.paths = paths
        private_dir(paths.data_dir)  # 0700, mended when an older version made it 0755
        self.store = Store(paths.database)
        self.outbox = KioskOutbox(self.store)
        self.device_key: DeviceKey = load_or_create_device_key(paths.data_dir)
        self._provisional_prefix = provisional_prefix(self.device_key.public_bytes)
        self._consent_version = consent_version()  # the notice is fixed for a process's life
        # Made for the device identity the store holds now; the store refuses it once that has
        # changed (`kiosk provision` in another process), and a sign-up makes it anew.
        self._issuer = self._issuer_for(self.store.device_identity())
        # Called after every durable sign-up (from the thread that made it): screens such as
        # the big screen subscribe here to update within a second, whichever door it came in by.
        self.listeners: list[Callable[[Enrollment], None]] = []

    @classmethod
    def open(cls, data_dir: str | None = None) -> "Kiosk":
        return cls(KioskPaths.resolve(data_dir))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Kiosk":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- identity -------------------------------------------------------------------------
    @property
    def device_prefix(self) -> str:
        """The hub-assigned prefix once provisioned; until then one derived from the key.

        Asked of the store each time (it notices other processes' commits), so a UI process
        already running picks up a `kiosk provision` made by another process at its next sign-up."""
        return self.store.device_identity().prefix or self._provisional_prefix

    def _issuer_for(self, identity: DeviceIdentity) -> "DeviceCards":
        """The prefix new cards take under `identity`, and their signer: with the hub's
        certificate when it was made for that prefix, so the cards verify with the hub's key."""
        prefix = identity.prefix or self._provisional_prefix
        certificate = (_b64decode(identity.certificate)
                       if identity.certificate and identity.certificate_prefix == prefix else None)
        return DeviceCards(identity, prefix, CardSigner(self.device_key, certificate))

    def keyring(self) -> Keyring:
        """This device's key, and the hub's once provisioned (it vouches for other kiosks' cards)."""
        keyring = Keyring.for_device(self.device_key)
        device = self.store.sync_device()
        if device:
            keyring.add(_b64decode(device["hub_sign_key"]))
        return keyring

    # --- events ---------------------------------------------------------------------------
    def current_event(self, today: dt.date | None = None) -> Event:
        """The event sign-ups are taken for; a fresh store gets a default event for today."""
        event_id = self.store.get_setting("current_event")
        event = self.store.get_event(event_id) if event_id else None
        if event is None:
            event = default_event(today or dt.date.today())
            self.store.save_event(event)
            self.store.set_setting("current_event", event.id)
        return event

    def save_event(self, event: Event, make_current: bool = True) -> None:
        self.store.save_event(event)
        if make_current:
            self.store.set_setting("current_event", event.id)

    def find_event(self, event_id: str) -> Event | None:
        return self.store.get_event(event_id)

    # --- sign-ups -------------------------------------------------------------------------
    def prepare_form(self, form: Mapping[str, Any], *, channel: str = "ceremony",
                     volunteer: str = "") -> dict[str, Any]:
        """The form with what the event and the desk supply filled in where the worker left gaps."""
        event = self.current_event()
        filled = dict(form)
        defaults = {"channel": channel, "event": event.id, "union_org": event.union_org,
                    "volunteer": volunteer, "group": event.default_group}
        for key, value in defaults.items():
            if filled.get(key) in (None, "") and value:
                filled[key] = value
        return filled

    def validate(self, form: Mapping[str, Any], *, channel: str = "ceremony",
                 volunteer: str = "") -> Member:
        """Raise FormError with every mistake; nothing is stored.

        One mistake is the kiosk's, not the domain's: a name in a script the card font has no
        letters for (Mongolian, Tibetan, Uyghur...), which would print as boxes. Every resident
        ID card holds the name in Chinese characters too, and that is the one to enter."""
        try:
            member = validate_member(self.prepare_form(form, channel=channel,
                                                       volunteer=volunteer), dt.date.today())
            errors, name = [], member.name
        except FormError as error:  # the name is checked too when the domain found it valid
            errors, name = error.errors, normalise_name(str(form.get("name") or ""))
            if error.for_field("name"):
                raise
        if undrawable(name):
            raise FormError([*errors, FieldError("name", "name.unprintable")])
        if errors:
            raise FormError(errors)
        return member

    def enroll(self, form: Mapping[str, Any], *, channel: str = "ceremony", volunteer: str = "",
               record_id: str | None = None, queue_print: bool = False) -> Enrollment:
        """Validate, then store the sign-up with a signed card token in one durable commit.

        Raises FormError (every mistake at once), DuplicateMemberError (the ID number is already
        a member here: reprint, don't enrol twice) or DomainError('record_conflict').
        `queue_print` puts the card in the desk's print queue in the same commit (phone sign-ups).
        """
        member = self.validate(form, channel=channel, volunteer=volunteer)
        return self.enroll_member(member, record_id=record_id, queue_print=queue_print)

    def enroll_member(self, member: Member, *, record_id: str | None = None,
                      queue_print: bool = False) -> Enrollment:
        """Store an already validated member (see `enroll`)."""
        while True:
            try:
                outcome = self.store.add_member(member, issuer=self._issuer,
                                                consent_version=self._consent_version,
                                                record_id=record_id, queue_print=queue_print)
                break
            except StaleIssuerError as stale:
                self._issuer = self._issuer_for(stale.identity)
        return self._enrolled(*outcome)

    def enroll_many(self, requests: list[EnrollRequest]) -> list[Enrollment | DomainError]:
        """Validate each request, then store all valid ones in one durable commit.

        A result per request, in order: an Enrollment, or the DomainError that refused it
        (FormError, DuplicateMemberError, record_conflict). See GroupCommitWriter."""
        results: list[Enrollment | DomainError | None] = []
        valid: list[NewMember] = []
        for request in requests:
            try:
                member = self.validate(request.form, channel=request.channel,
                                       volunteer=request.volunteer)
            except DomainError as error:
                results.append(error)
            else:
                results.append(None)
                valid.append(NewMember(member, request.record_id, request.queue_print))
        stored = iter(self._store_many(valid) if valid else ())

        def settled(outcome: tuple[StoredMember, bool] | DomainError) -> Enrollment | DomainError:
            return outcome if isinstance(outcome, DomainError) else self._enrolled(*outcome)

        return [settled(next(stored)) if result is None else result for result in results]

    def _store_many(self, items: list[NewMember]) -> list[tuple[StoredMember, bool] | DomainError]:
        while True:
            try:
                return self.store.add_members(items, issuer=self._issuer,
                                              consent_version=self._consent_version)
            except StaleIssuerError as stale:
                self._issuer = self._issuer_for(stale.identity)

    def _enrolled(self, stored: StoredMember, created: bool) -> Enrollment:
        enrollment = Enrollment(stored, created)
        if created:
            self._tell_listeners(enrollment)
        return enrollment

    def _tell_listeners(self, enrollment: Enrollment) -> None:
        for listener in list(self.listeners):
            try:
                listener(enrollment)
            except Exception:  # the sign-up is saved; a broken screen must not undo "saved"
                log.exception("enrollment listener failed")

    # --- cards ----------------------------------------------------------------------------
    def card_face(self, stored: StoredMember, lang: str = "zh") -> CardFace:
        event = self.find_event(stored.member.event)
        org_label = (event.union_name if event and event.union_org == stored.member.union_org
                     and event.union_name else stored.member.union_org)
        face = CardFace(name=stored.member.name, card_number=stored.card_number,
                        group_label=label(GROUPS, stored.member.group, lang), org_label=org_label,
                        issued=stored.issued, token=stored.token,
                        masked_id=mask_id_number(stored.member.id_number))
        if event and event.card_header:
            face = replace(face, header=event.card_header)
        return face

    def card_png(self, stored: StoredMember) -> bytes:
        return render_card_png(self.card_face(stored))

    def verify(self, token: str, extra_keys: Keyring | None = None) -> CardClaims:
        """Check a card token offline: this device's key, the hub's (once provisioned) and any
        `extra_keys`; a card from a device the hub has revoked is refused."""
        keyring = self.keyring()
        for key in (extra_keys or {}).values():
            keyring.add(key)
        claims = verify_card_token(token, keyring)
        if claims.key_id.hex() in self.store.revoked_key_ids():
            raise DomainError("token.revoked")
        return claims


class DeviceCards(NamedTuple):
    """This device's card issuer (kiosk.storage.store.CardIssuer): the identity it was made for, the
    prefix it numbers under and its signer."""

    identity: DeviceIdentity
    prefix: str
    signer: CardSigner

    def sign(self, member: Member, card_number: str, issued: dt.date) -> str:
        return self.signer.sign_card(card_number, member.name, member.group, issued)


def _b64decode(text: str) -> bytes:
    """base64url text as provisioning stores it (padding left off)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
