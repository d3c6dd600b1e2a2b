"""The volunteer's name, the enroll form and the done screen (card, print, next worker)."""

from __future__ import annotations

import flet as ft

from kiosk.domain.catalog import EDUCATION_LEVELS, ETHNICITIES, GROUPS, HUKOU_TYPES, POLITICAL_STATUSES
from kiosk.ui.draw.common import BIG_TARGET, EMPTY_PNG, ScreenView, choice_options, focus, sem, ui_style
from kiosk.ui.enroll import TEXT_FIELDS
from kiosk.ui.icons import GROUP_ICONS

DROPDOWNS = (("ethnicity", "ui.enroll.ethnicity", ETHNICITIES),
             ("education", "ui.enroll.education", EDUCATION_LEVELS),
             ("political_status", "ui.enroll.political_status", POLITICAL_STATUSES),
             ("hukou", "ui.enroll.hukou", HUKOU_TYPES))
# Enter in a field moves on to the next one; after the mobile number come the group buttons.
ENTER_ORDER = ("name", "id_number", "mobile")


class VolunteerView(ScreenView):
    """A joining tablet asks once for the volunteer's name (remembered in the browser)."""

    def build(self) -> ft.Control:
        self.field = ft.TextField(label=self.T("ui.volunteer.label"), autofocus=True,
                                  on_submit=self.on_start, text_size=20,
                                  on_change=lambda e: self.desk.touch())
        return ft.Column([
            ft.Text(self.T("ui.volunteer.title"), size=24, weight=ft.FontWeight.BOLD),
            ft.Text(self.T("ui.volunteer.help"), size=16),
            sem("volunteer-name", self.field),
            sem("volunteer-start", ft.FilledButton(self.T("ui.volunteer.start"),
                                                   on_click=self.on_start, height=BIG_TARGET)),
        ], spacing=16, width=480)

    def sync(self) -> None:
        self.field.value = self.desk.volunteer
        self.field.error = None

    async def shown(self) -> None:
        await focus(self.field)

    async def on_start(self, e) -> None:
        if await self.host.start_volunteer(self.field.value or ""):
            return
        self.field.error = self.T("error.required")
        self.host.page.update()


class EnrollView(ScreenView):
    def build(self) -> ft.Control:
        self.fields: dict[str, ft.TextField] = {}
        for name, key, kw in (("name", "ui.enroll.name", {"autofocus": True}),
                              ("id_number", "ui.enroll.id_number",
                               {"max_length": 18, "counter": ""}),
                              ("mobile", "ui.enroll.mobile",
                               {"keyboard_type": ft.KeyboardType.PHONE}),
                              ("employer", "ui.enroll.employer", {})):
            self.fields[name] = ft.TextField(
                label=self.T(key), text_size=20, on_change=self.change_handler(name),
                on_submit=self.enter_handler(name), on_focus=lambda e: self.desk.touch(), **kw)
        self.dropdowns = {name: ft.Dropdown(
            label=self.T(key), options=choice_options(table, self.desk.lang), enable_filter=True,
            editable=True, expand=True, on_select=self.select_handler(name))
            for name, key, table in DROPDOWNS}
        self.id_preview = ft.Text("", size=16, color=ft.Colors.GREEN_800)
        self.group_buttons = {code: ft.Button(
            zh if self.desk.lang == "zh" else en, icon=GROUP_ICONS[code], height=BIG_TARGET,
            on_click=self.group_handler(code)) for code, zh, en in GROUPS}
        self.group_error = ft.Text("", color=ft.Colors.ERROR, visible=False)
        # Suggestions above the employer field, so Tab goes from it straight to the consent box.
        self.suggestions = ft.Row([], wrap=True)
        self.consent = ft.Checkbox(label=self.T("consent.label"), on_change=self.on_consent,
                                   label_style=ui_style(size=17))
        self.consent_error = ft.Text("", color=ft.Colors.ERROR, visible=False)
        self.form_error = ft.Text("", color=ft.Colors.ERROR, visible=False)
        self.duplicate_text = ft.Text("", size=16)
        self.duplicate = ft.Container(ft.Column([
            self.duplicate_text,
            sem("enroll-reprint", ft.FilledButton(self.T("ui.enroll.reprint"), icon=ft.Icons.PRINT,
                                                  height=BIG_TARGET, on_click=self.on_reprint)),
        ]), bgcolor=ft.Colors.AMBER_50, padding=12, border_radius=8, visible=False)
        self.submit_button = ft.FilledButton(self.T("ui.enroll.submit"), icon=ft.Icons.CHECK_CIRCLE,
                                             height=BIG_TARGET, width=240, on_click=self.on_submit)

        def cell(control: ft.Control, md: int = 6) -> ft.Container:
            return ft.Container(control, col={"xs": 12, "md": md})

        f, d = self.fields, self.dropdowns
        return ft.Column([
            ft.Text(self.T("ui.enroll.title"), size=22, weight=ft.FontWeight.BOLD),
            ft.ResponsiveRow([
                cell(sem("enroll-name", f["name"])),
                cell(sem("enroll-ethnicity", d["ethnicity"])),
                cell(ft.Column([sem("enroll-id-number", f["id_number"]),
                                sem("enroll-id-preview", self.id_preview)], spacing=2,
                               horizontal_alignment=ft.CrossAxisAlignment.STRETCH)),
                cell(sem("enroll-mobile", f["mobile"])),
            ]),
            ft.Text(self.T("ui.enroll.group"), size=17, weight=ft.FontWeight.W_500),
            ft.Row([sem(f"group-{code}", b) for code, b in self.group_buttons.items()],
                   wrap=True, spacing=8, run_spacing=8),
            self.group_error,
            ft.ResponsiveRow([cell(sem("enroll-education", d["education"]), 4),
                              cell(sem("enroll-political-status", d["political_status"]), 4),
                              cell(sem("enroll-hukou", d["hukou"]), 4)]),
            self.suggestions, ft.ResponsiveRow([cell(sem("enroll-employer", f["employer"]))]),
            ft.Container(ft.Text(self.T("consent.notice"), size=14),
                         bgcolor=ft.Colors.GREY_100, padding=12, border_radius=8),
            sem("enroll-consent", self.consent), self.consent_error, self.form_error,
            self.duplicate, sem("enroll-submit", self.submit_button),
        ], spacing=12)

    # --- state -> controls ----------------------------------------------------------------------
    def sync(self) -> None:
        form = self.desk.form
        for name, field in self.fields.items():
            field.value = form.values.get(name, "")
            field.error = form.errors.get(name)
        self.fields["name"].text_style = self.host.name_style(form.values.get("name", ""))
        for name, dropdown in self.dropdowns.items():
            dropdown.value = form.values.get(name) or None
            dropdown.error_text = form.errors.get(name)
        self.id_preview.value = form.id_preview()
        self.sync_groups()
        for text, key in ((self.group_error, "group"), (self.consent_error, "consent"),
                          (self.form_error, "form")):
            text.value = form.errors.get(key, "")
            text.visible = key in form.errors
        self.consent.value = form.consent
        self.duplicate.visible = form.duplicate is not None
        self.duplicate_text.value = form.duplicate_summary()
        if form.duplicate is not None:
            self.duplicate_text.style = self.host.name_style(form.duplicate.member.name)

    def sync_groups(self) -> None:
        chosen = self.desk.form.values.get("group")
        for code, button in self.group_buttons.items():
            button.style = group_style(code == chosen)
        self.suggestions.controls = [
            sem(f"platform-{i}", ft.TextButton(p, on_click=self.platform_handler(p)))
            for i, p in enumerate(self.desk.form.platform_suggestions())]

    async def shown(self) -> None:
        await focus(self.fields["name"])

    # --- events ---------------------------------------------------------------------------------
    def change_handler(self, name: str):
        def handler(e) -> None:
            form = self.desk.form
            self.desk.touch()
            dirty = name in form.errors
            form.set(name, e.control.value or "")
            e.control.error = None
            if name == "id_number":
                preview = form.id_preview()
                dirty = dirty or preview != self.id_preview.value
                self.id_preview.value = preview
            elif name == "employer":
                self.sync_groups()
                dirty = True
            elif name == "name" and self.host.needs_rare_font(e.control.value or ""):
                e.control.text_style = self.host.name_style(e.control.value or "")
                dirty = True
            if dirty:
                self.host.page.update()
        return handler

    def enter_handler(self, name: str):
        async def handler(e) -> None:
            self.desk.touch()
            if name == "employer":
                await focus(self.submit_button)
            elif name == "mobile":  # on to the occupation groups (the chosen one, else the first)
                await focus(self.group_buttons[self.desk.form.values.get("group") or GROUPS[0][0]])
            else:
                await focus(self.fields[ENTER_ORDER[ENTER_ORDER.index(name) + 1]])
        return handler

    def select_handler(self, name: str):
        def handler(e) -> None:
            self.desk.touch()
            self.desk.form.set(name, e.control.value or "")
        return handler

    def group_handler(self, code: str):
        async def handler(e) -> None:
            self.desk.touch()
            self.desk.form.choose_group(code)
            self.group_error.visible = False
            self.sync_groups()  # restyled in place: the focus stays where it is
            self.host.page.update()
            if self.desk.form.values.get("group"):
                await focus(self.fields["employer"])
        return handler

    def platform_handler(self, platform: str):
        def handler(e) -> None:
            self.desk.touch()
            self.desk.form.set("employer", platform)
            self.fields["employer"].value = platform
            self.sync_groups()
            self.host.page.update()
        return handler

    def on_consent(self, e) -> None:
        self.desk.touch()
        self.desk.form.set_consent(bool(e.control.value))
        if self.consent_error.visible:
            self.consent_error.visible = False
            self.host.page.update()

    async def on_submit(self, e) -> None:
        self.desk.touch()
        for name in TEXT_FIELDS:  # what the browser holds is what is saved
            if self.fields[name].value is not None:
                self.desk.form.values[name] = self.fields[name].value
        if self.desk.submit():
            await self.host.show()
            return
        self.sync()
        self.host.page.update()
        first = next((n for n in ("name", "id_number", "mobile", "employer")
                      if n in self.desk.form.errors), None)
        if first:
            await focus(self.fields[first])

    async def on_reprint(self, e) -> None:
        self.desk.reprint_duplicate()
        await self.host.show()


def group_style(chosen: bool) -> ft.ButtonStyle:
    return ft.ButtonStyle(
        text_style=ui_style(size=17),
        bgcolor=ft.Colors.RED_700 if chosen else ft.Colors.WHITE,
        color=ft.Colors.WHITE if chosen else ft.Colors.RED_900,
        icon_color=ft.Colors.WHITE if chosen else ft.Colors.RED_900,
        side=ft.BorderSide(1, ft.Colors.RED_700))


class DoneView(ScreenView):
    """The card just made or reprinted: print it, queue it for a sheet, or go on."""

    def build(self) -> ft.Control:
        self.title = ft.Text("", size=24, weight=ft.FontWeight.BOLD, color=ft.Colors.GREEN_800)
        self.card_number = ft.Text("", size=18)
        self.image = ft.Image(src=EMPTY_PNG, width=505, fit=ft.BoxFit.CONTAIN)
        self.message = ft.Text("", size=16)
        self.next_button = ft.FilledButton(self.T("ui.done.next"), icon=ft.Icons.ARROW_FORWARD,
                                           autofocus=True, height=BIG_TARGET, on_click=self.on_next)
        return ft.Column([
            sem("done-title", self.title),
            sem("done-card-number", self.card_number),
            sem("done-card", self.image),
            ft.Row([
                sem("done-print", ft.FilledButton(self.T("ui.done.print"), icon=ft.Icons.PRINT,
                                                  height=BIG_TARGET, on_click=self.on_print)),
                sem("done-queue", ft.OutlinedButton(self.T("ui.done.queue"), icon=ft.Icons.QUEUE,
                                                    height=BIG_TARGET, on_click=self.on_queue)),
                sem("done-next", self.next_button),
            ], wrap=True, spacing=12, run_spacing=12),
            sem("done-message", self.message),
        ], spacing=14)

    def sync(self) -> None:
        done = self.desk.done
        if done is None:
            self.leave()
            return
        s = done.stored
        self.title.value = self.T("ui.done.reprint_title" if done.reprint else "ui.done.title")
        self.card_number.value = self.T("ui.done.card_number", card=s.card_number)
        self.card_number.style = self.host.name_style(s.member.name)
        self.image.src = done.card_png()
        self.image.semantics_label = self.T("ui.done.card_alt", card=s.card_number)
        self.message.value = done.message

    def leave(self) -> None:
        self.image.src = EMPTY_PNG
        self.image.semantics_label = None
        self.card_number.value = self.message.value = ""

    async def shown(self) -> None:
        await focus(self.next_button)

    def on_print(self, e) -> None:
        self.desk.touch()
        if self.desk.done is not None:
            self.message.value = self.desk.done.print_card(self.desk.volunteer, self.desk.lang)
            self.host.page.update()

    def on_queue(self, e) -> None:
        self.desk.touch()
        if self.desk.done is not None:
            self.message.value = self.desk.done.queue_card(self.desk.lang)
            self.host.page.update()

    async def on_next(self, e) -> None:
        self.desk.next_worker()
        await self.host.show()
