"""The federation's hub: ASGI app (sync.hub.app), ingest, provisioning, storage behind an
interface (sync.hub.storage: SQLite or PostgreSQL). Never imports kiosk.ui."""
