"""The federation's hub: ASGI app (sync.hub.app), ingest, provisioning, storage behind an
interface (sync.hub.store; SQLite in sync.hub.sqlite_store). Never imports kiosk.ui."""
