"""Sync between kiosks and the federation's hub: protocol, client (kiosk side), hub (server).

    sync.protocol   the wire format, error codes, signatures, shared by both ends (no I/O)
    sync.client     the kiosk's uploader (httpx): provisioning, batches, bundles, background thread
    sync.hub        the federation's ASGI server and its storage

The written specification is sync/PROTOCOL.md.
"""
