"""The kiosk's uploader: provisioning, batches, bundles, and a background thread.

    provision(kiosk, code)                     register with a hub (`kiosk provision`)
    Uploader(kiosk, HubClient(url)).push()     one pass over the outbox (`kiosk sync --once`)
    BackgroundSync(kiosk).start()              the same, continuously, in the kiosk's process
    export_bundle(kiosk, path)                 a signed bundle for a USB stick
"""

from sync.client.api import HubClient
from sync.client.background import Backoff, BackgroundSync, SyncStatus, sync_once
from sync.client.bundle import export_bundle, import_receipt
from sync.client.config import SyncConfig
from sync.client.errors import (DeviceRefusedError, NotProvisionedError, RequestRefusedError,
                                RetryLaterError, SyncError)
from sync.client.identity import Identity
from sync.client.provision import provision
from sync.client.uploader import PushResult, Uploader, apply_receipt

__all__ = ["Backoff", "BackgroundSync", "DeviceRefusedError", "HubClient", "Identity",
           "NotProvisionedError", "PushResult", "RequestRefusedError", "RetryLaterError",
           "SyncConfig", "SyncError", "SyncStatus", "Uploader", "apply_receipt", "export_bundle",
           "import_receipt", "provision", "sync_once"]
