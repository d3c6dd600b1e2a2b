"""Small primitives both ends need, the kiosk and the hub: no kiosk state, no UI, no HTTP.

    keys           Ed25519 device keys (0600 file), key ids, keyrings of public keys
    device_cert    the hub's certificate over a device key
    qr             QR module matrices (zxing-cpp), as images or rectangles
    fast_json      the JSON codec of sign-ups and sync batches (orjson)
    scrypt_hash    salted scrypt hashes of PINs and passwords
    private_files  folders 0700 and files 0600 for what only the owner may read
    csv_cells      the one rule for CSV cells: no spreadsheet formula
"""
