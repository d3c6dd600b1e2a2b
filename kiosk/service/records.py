"""The records a kiosk holds, as the roster, the card commands and the phone's e-card use them:
finding and searching, corrections and voids with a reason, reprints and the print queue.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

from kiosk.domain import DomainError, Member
from kiosk.domain.member import DERIVED_FIELDS
from kiosk.storage import Store, StoredMember


class MemberRecords:
    """Part of Kiosk: its records (needs the store, and Kiosk.validate for corrections)."""

    store: Store
    validate: Callable[..., Member]

    # --- finding ----------------------------------------------------------------------------
    def find_member(self, record_id: str) -> StoredMember | None:
        return self.store.get(record_id)

    def find_card(self, card_number: str) -> StoredMember | None:
        """The record behind a card number, typed loosely (case, dashes)."""
        return self.store.get_by_card_number(card_number)

    def search_members(self, query: str = "", *, event: str | None = None,
                       day: str | None = None, include_voided: bool = True,
                       limit: int = 200) -> list[StoredMember]:
        """Newest first. `query` matches part of a name, the last 4 digits of the mobile, or a
        card number; `event` an event id, `day` YYYY-MM-DD."""
        return self.store.search(query, event=event, day=day, include_voided=include_voided,
                                 limit=limit)

    def export_members(self) -> list[StoredMember]:
        """Every record, voided ones too, oldest first (as a register reads)."""
        return self.store.all_members()

    def log_full_id_export(self, row_count: int, *, actor: str, via: str = "cli") -> None:
        """Keep that `actor` (the OS user) took `row_count` records with full ID numbers out
        through `via`, and when; the ID numbers themselves are never logged."""
        self.store.log_export(actor=actor, via=via, full_ids=True, row_count=row_count)

    def export_log(self) -> list[dict[str, Any]]:
        """Every logged export, oldest first: actor, via, at, full_ids, row_count."""
        return self.store.export_log()

    def count_members_by_group(self, event: str | None = None) -> dict[str, int]:
        """Active members by occupation group code, of one event or of all."""
        return self.store.counts_by_group(event)

    def count_active_members(self, event: str | None = None) -> int:
        return self.store.count_active(event)

    def audit_trail(self, record_id: str) -> list[dict[str, Any]]:
        """Who did what to a record and when (action, actor, reason, changes, at), starting with
        its enrollment."""
        return self.store.audit_trail(record_id)

    # --- changing ---------------------------------------------------------------------------
    def correct_member(self, record_id: str, changes: Mapping[str, Any], *, actor: str,
                       reason: str) -> StoredMember:
        """Change fields of an active record, validated like a new form under the record's own
        channel, volunteer and event; the audit trail keeps what changed, who and why.

        Raises DomainError('not_found'), FormError, DomainError('reason.required' or
        'already_voided') or DuplicateMemberError (the new ID number is another member's).
        The card keeps its number and token."""
        old = self.store.get(record_id)
        if old is None:
            raise DomainError("not_found")
        form = {k: v for k, v in old.member.to_dict().items() if k not in DERIVED_FIELDS}
        form.update(changes)
        member = self.validate(form, channel=old.member.channel, volunteer=old.member.volunteer)
        member = dataclasses.replace(member, event=old.member.event)
        return self.store.correct(record_id, member, actor=actor, reason=reason)

    def void_member(self, record_id: str, *, actor: str, reason: str) -> StoredMember:
        """Mark a record void, with the reason (nothing is deleted); its ID number may then be
        enrolled again. DomainError 'reason.required', 'already_voided' or 'not_found'."""
        return self.store.void(record_id, actor=actor, reason=reason)

    # --- printing ---------------------------------------------------------------------------
    def record_reprint(self, record_id: str, *, actor: str) -> None:
        """A card printed again: the audit trail says who and when."""
        self.store.record_reprint(record_id, actor=actor)

    def queue_print(self, record_ids: list[str]) -> None:
        """Put cards in the desk's print queue (again, if printed before)."""
        self.store.queue_print(record_ids)

    def print_queue(self) -> list[StoredMember]:
        """Cards waiting to be printed, oldest first."""
        return self.store.print_queue()

    def mark_printed(self, record_ids: list[str]) -> None:
        self.store.mark_printed(record_ids)
