"""`kiosk enroll`: one sign-up at a prompt in Chinese, or JSON lines on stdin."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, BinaryIO

from kiosk.cli.common import bilingual, open_kiosk, print_json, say, say_text
from kiosk.domain import DomainError, DuplicateMemberError, FieldError, FormError
from kiosk.domain.catalog import CHANNELS, GROUPS, codes
from kiosk.i18n import t
from kiosk.service import Kiosk


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("enroll", help="sign a worker up (prompts, or --json - for JSON lines)")
    parser.add_argument("--json", metavar="FILE", help="'-' for stdin: one JSON object a line")
    parser.add_argument("--channel", default="ceremony", choices=sorted(codes(CHANNELS)))
    parser.add_argument("--volunteer", default="")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_kiosk(args) as kiosk:
        if args.json is None:
            return enroll_interactively(kiosk, args)
        stream = sys.stdin.buffer if args.json == "-" else open(args.json, "rb")
        with stream:
            return enroll_json_lines(kiosk, stream, channel=args.channel, volunteer=args.volunteer)


def refusal(error: DomainError) -> dict[str, Any]:
    """The JSON a refused sign-up gets: every field error with its code and both messages."""
    if isinstance(error, FormError):
        return {"ok": False, "errors": [e.to_dict() for e in error.errors]}
    entry = {"field": "id_number" if isinstance(error, DuplicateMemberError) else None,
             **error.to_dict()}
    if isinstance(error, DuplicateMemberError):
        entry["card_number"] = error.card_number
    return {"ok": False, "errors": [entry]}


def enroll_json_lines(kiosk: Kiosk, stream: BinaryIO, *, channel: str, volunteer: str) -> int:
    """Each line's result is printed and flushed once that sign-up is durably saved."""
    refused = 0
    for raw in stream:
        if not raw.strip():
            continue
        try:
            form = json.loads(raw.decode("utf-8"))
            if not isinstance(form, dict):
                raise ValueError
        except UnicodeDecodeError:
            result = refusal(FormError([FieldError("", "input.encoding")]))
        except ValueError:
            result = refusal(FormError([FieldError("", "input.json")]))
        else:
            record_id = form.pop("record_id", None)
            try:
                result = kiosk.enroll(form, channel=form.get("channel") or channel,
                                      volunteer=volunteer, record_id=record_id).to_dict()
            except DomainError as error:
                result = refusal(error)
        refused += not result["ok"]
        print_json(result)
    return 1 if refused else 0


def _prompts() -> tuple[tuple[str, str], ...]:
    """(field, its prompt) for the fields typed in, in order; the group and consent come after."""
    optional = bilingual("cli.enroll.optional", " ")
    return (("name", bilingual("cli.enroll.name", " ")),
            ("id_number", bilingual("cli.enroll.id_number", " ")),
            ("mobile", bilingual("cli.enroll.mobile", " ")),
            ("employer", f"{bilingual('cli.enroll.employer', ' ')}（{optional}）"))


def _ask(label: str) -> str:
    try:
        return input(f"{label}: ")
    except EOFError:
        raise KeyboardInterrupt from None


def _ask_group() -> str:
    for number, (_, zh, en) in enumerate(GROUPS, start=1):
        print(f"  {number:>2}. {zh} {en}")
    answer = _ask(bilingual("cli.enroll.group_number", " ")).strip()
    if answer.isdigit() and 1 <= int(answer) <= len(GROUPS):
        return GROUPS[int(answer) - 1][0]
    return answer


def enroll_interactively(kiosk: Kiosk, args: argparse.Namespace) -> int:
    event = kiosk.current_event()
    say_text("cli.enroll.event", name=event.name)
    prompts = _prompts()
    form: dict[str, Any] = {}
    wanted = [key for key, _ in prompts] + ["group", "consent"]
    while True:
        for key, label in prompts:
            if key in wanted:
                form[key] = _ask(label)
        if "group" in wanted:
            form["group"] = _ask_group()
        if "consent" in wanted:
            print(t("consent.notice"))
            yes_no = bilingual("cli.enroll.yes_no", " ")
            form["consent"] = _ask(f"{t('consent.label')}（{yes_no}）")
        try:
            enrollment = kiosk.enroll(form, channel=args.channel, volunteer=args.volunteer)
        except FormError as error:
            for field_error in error.errors:
                say(f"✗ {field_error.field}: {field_error.message_zh}", f"  {field_error.message_en}")
            wanted = [e.field for e in error.errors]
            continue
        except DuplicateMemberError as error:
            say(error.message_zh, error.message_en)
            say_text("cli.enroll.reprint", card_number=error.card_number)
            return 1
        say_text("cli.enroll.saved", card_number=enrollment.card_number)
        return 0
