"""File writes shared by every layer (digests, site files, caches, figure images): one copy.

* :func:`write_atomic`: a temp file in the same folder, fsync, the mode a plain write would
  give, then ``os.replace``; readers and crashes never see a torn file.
* :func:`write_if_changed`: the same, skipped when the file already holds those bytes (a
  rerun that changes nothing leaves the file and its modification time alone).
* :func:`remove_stale_temps`: the temp files a killed writer left beside a file.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

__all__ = ["remove_stale_temps", "write_atomic", "write_if_changed"]


def _umask() -> int:
    """The process's umask, read without changing it (``/proc/self/status``, Linux ≥ 4.7);
    elsewhere set and restored at once."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def _plain_write_mode(path: Path) -> int:
    """The permission bits ``open(path, "w")`` would leave: an existing file keeps its own,
    a new one gets ``0o666`` minus the umask (0644 under umask 022)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _temp_prefix(path: Path) -> str:
    # Hidden (a leading dot), so that a static-site build or a web server skips it.
    return f".{path.name}."


_TEMP_SUFFIX = ".tmp"


def _as_bytes(data: str | bytes) -> bytes:
    # Text is UTF-8 with "\n" line ends whatever the platform: the same bytes everywhere.
    return data.encode("utf-8") if isinstance(data, str) else data


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically: a temp file
    ``.NAME.XXXX.tmp`` in the same folder (so ``os.replace`` never crosses a file system),
    fsync, then ``os.replace``. The file gets the mode a plain write would give it (see
    :func:`_plain_write_mode`), not the temp file's 0600: a web server running as another
    user must read digests and images. The folder is created when missing.

    Raises:
        OSError: the folder cannot be written (the temp file is removed).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _plain_write_mode(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temp_prefix(path), suffix=_TEMP_SUFFIX)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_as_bytes(data))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """:func:`write_atomic`, unless ``path`` already holds exactly these bytes.

    Returns:
        Whether the file was written.

    Raises:
        OSError: the folder cannot be written.
    """
    wanted = _as_bytes(data)
    if path.is_file() and path.read_bytes() == wanted:
        return False
    write_atomic(path, wanted)
    return True


def remove_stale_temps(path: Path) -> None:
    """Remove the temp files that writers of ``path`` killed inside :func:`write_atomic`
    left beside it. Call it only while holding whatever lock serializes those writers (a
    live writer's temp file would go too)."""
    if not path.parent.is_dir():
        return
    prefix = _temp_prefix(path)
    for stale in path.parent.iterdir():
        if stale.name.startswith(prefix) and stale.name.endswith(_TEMP_SUFFIX):
            stale.unlink(missing_ok=True)
