"""Data the product ships beside its code, installed as the package ``kiosk.assets``.

i18n/   the translation tables, one per face (read by kiosk.i18n)
"""
