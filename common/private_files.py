"""Private files (attachments, exports, and later dossiers and archives): one place that
stores, opens and removes them, through Django's storage API.

The storage is ``STORAGES["private"]``: by default a folder on this machine
(``FENGQIAO_PRIVATE_DIR``; embedded and single-node), or an S3-compatible object store
(``FENGQIAO_PRIVATE_STORAGE=s3``: MinIO, or a domestic cloud's object store) so that every
web and worker node sees the same files. Either way the files are private: the storage
hands out no URL, and every download goes through a view that checks the user may see
the case or report first, then streams the file (``open_private``).

Names are relative ("attachments/12/<uuid>.pdf") and checked: nothing outside the
storage's root can be named, whatever a row says.
"""

import hashlib
import os
import posixpath
import tempfile

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages

CHUNK = 64 * 1024


class PrivateFolderStorage(FileSystemStorage):
    """A folder outside anything the web server serves, with no URL at all. Its place is
    read from FENGQIAO_PRIVATE_DIR when used (not when created), so a changed setting
    is followed."""

    def __init__(self, **kwargs):
        kwargs.pop("base_url", None)
        super().__init__(base_url=None, **kwargs)

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.FENGQIAO_PRIVATE_DIR)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL: serve them through a view.")


def private_storage():
    return storages["private"]


def clean_name(name: str) -> str | None:
    """A relative name that stays inside the storage, or None."""
    normal = posixpath.normpath((name or "").replace("\\", "/"))
    if not name or normal.startswith(("/", "../")) or normal in (".", ".."):
        return None
    return normal


def _measure(content) -> tuple[int, str]:
    """Size and SHA-256 of a file, read once before storing (a storage may move a
    temporary upload into place or hand the object to S3 without reading it through us)."""
    digest = hashlib.sha256()
    size = 0
    content.seek(0)
    for chunk in iter(lambda: content.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    content.seek(0)
    return size, digest.hexdigest()


def save_private(name: str, content) -> tuple[str, int, str]:
    """Store ``content`` (an uploaded file or an open binary file) under ``name``; return
    the name actually used, its size and its SHA-256. A name already taken is never
    overwritten: the storage picks a free one."""
    size, sha256 = _measure(content)
    if not isinstance(content, File):
        content = File(content)
    stored = private_storage().save(name, content)
    return stored, size, sha256


def open_private(name: str):
    """The stored file opened for reading, or None when the name is bad or the file gone."""
    name = clean_name(name)
    if name is None:
        return None
    storage = private_storage()
    try:
        if not storage.exists(name):
            return None
        return storage.open(name, "rb")
    except (OSError, ValueError):
        return None


def delete_private(name: str) -> None:
    name = clean_name(name)
    if name is not None:
        private_storage().delete(name)


def spooled_file():
    """A scratch file for building a large file before it is stored: in memory while
    small, then on this machine's temporary disk (private to the service under
    systemd's PrivateTmp), and gone when closed."""
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
