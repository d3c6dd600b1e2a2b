"""Ruhui 入会: an offline-first enrollment kiosk for the union's eight-groups campaign."""
