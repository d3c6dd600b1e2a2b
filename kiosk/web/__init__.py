"""The kiosk's web app (kiosk.web.app.build_app): Flet UI, client files served fast, the phone page."""
