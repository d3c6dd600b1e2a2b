"""The kiosk's local SQLite file: members, the outbox, the audit trail, events, settings.

Two ways in, each where it fits:
- sqlite-utils for the schema (kiosk.storage.migrations creates tables and adds columns through
  it) and for the reads that are plain table queries: searching the records (`kiosk list
  --search`, the roster) and the export (`kiosk export --csv`).
- plain sqlite3 for every write, above all a sign-up's: one BEGIN IMMEDIATE ... COMMIT holds the
  member, its outbox row and its card number, with nothing between the code and the driver on
  the path that sits beside each fsync. Writes come from the service only (collective imports
  too, one sign-up at a time): no face writes rows.
"""

from kiosk.storage.store import DeviceIdentity, StaleIssuerError, StoredMember, Store

__all__ = ["DeviceIdentity", "StaleIssuerError", "Store", "StoredMember"]
