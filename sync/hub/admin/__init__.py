"""The hub's admin pages for federation staff (server-rendered, behind a login with roles).

``mount_admin`` adds them to the hub's FastAPI app, outside its OpenAPI description (which
describes the kiosks' API). One module per section, each with its own ``router``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request

from sync.hub.admin.web import Forbidden, LoginRequired, forbidden_page, login_redirect


def mount_admin(app: FastAPI) -> None:
    """Add the admin pages to `app` (which holds `store` and `clock` in ``app.state``)."""
    from sync.hub.admin import devices, exports, figures, login, members, review, users

    for module in (login, devices, members, review, figures, exports, users):
        app.include_router(module.router, include_in_schema=False)

    @app.exception_handler(LoginRequired)
    async def to_login(_request: Request, error: LoginRequired):
        return login_redirect(error)

    @app.exception_handler(Forbidden)
    async def refuse(request: Request, error: Forbidden):
        return forbidden_page(request, error)
