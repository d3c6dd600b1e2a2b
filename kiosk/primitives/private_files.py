"""Files only their owner may read: the kiosk's store holds the phone page's MAC secret and the
PIN hash, the hub's its private keys, and exports hold ID numbers.

The `kiosk` command sets the process umask to 0o077 once (kiosk.cli.main), so everything it
writes is 0600 and every folder 0700; these helpers make the same true for code run outside the
command (tests, a library user), and mend a data folder an older version made 0755.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Make the folder `path` (and its missing parents) and narrow it to 0700 when wider."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty as 0600 when missing (before SQLite or a writer opens it: SQLite
    gives -wal and -shm the file's own mode), and narrow an existing one to 0600 when wider."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        mode = path.stat().st_mode
        if stat.S_ISREG(mode) and mode & 0o077:  # never a device or a pipe (/dev/stdout)
            path.chmod(FILE_MODE)
    return path
