"""Who the reader is (issue 18 §1): the interests they wrote and the library they keep.

:func:`load_profile` gathers what the settings name, all of it when several are set:

* ``PAPERDIGEST_INTERESTS``: topics in plain words (split by :mod:`paperdigest.config`);
* ``PAPERDIGEST_LIBRARY``: an export file (:func:`~paperdigest.sources.library.read_library`);
* ``PAPERDIGEST_ZOTERO_LIBRARY_ID``: a live Zotero library
  (:func:`~paperdigest.sources.zotero.fetch_zotero_library`).

Every bad input is a :class:`~paperdigest.errors.ConfigError` raised here, before any model
call: a flow loads the profile first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import httpx2

from paperdigest.config import Settings
from paperdigest.sources.library import LibraryItem, content_key, read_library, unique
from paperdigest.sources.zotero import fetch_zotero_library

__all__ = ["Profile", "load_profile"]


@dataclass(frozen=True)
class Profile:
    """The reader: interest phrases and library items (each text once), and the day the
    recency weights count ages to.

    Attributes:
        interests: the phrases of ``PAPERDIGEST_INTERESTS``, in the order written.
        library: the items of the export file and the Zotero library, in that order.
        today: the run's day, not the clock's: a day's digest ranks the same whenever
            it is rerun (with the same library).
    """

    interests: tuple[str, ...]
    library: tuple[LibraryItem, ...]
    today: date

    def texts(self) -> list[tuple[str, str]]:
        """Every text to compare papers with, as ``(content key, text)``: the interests,
        then the library items (their title and abstract)."""
        return [(content_key(t), t) for t in self.interests] + [
            (item.key, item.text) for item in self.library
        ]


async def load_profile(
    settings: Settings, client: httpx2.AsyncClient, today: date
) -> Profile | None:
    """Read the reader's profile from what the settings name.

    Args:
        settings: ``interests``, ``library``, the ``zotero_*`` settings.
        client: for the Zotero API (:func:`paperdigest.sources.http.make_client`).
        today: the run's day, from which library items' ages are counted.

    Returns:
        The :class:`Profile`; None when no reader is configured.

    Raises:
        ConfigError: the library file is missing, unreadable, broken or empty; the Zotero
            API refuses the library, or it is empty. (Interests that are only separators
            are refused when the settings are read.)
        FetchError: the Zotero API failed after retries.
    """
    if not settings.reader_configured:
        return None
    items: list[LibraryItem] = []
    if settings.library is not None:
        # The items read, kept beside the database (see read_library).
        cache = settings.db_path.parent / ".paperdigest-library.json"
        items += read_library(settings.library, cache)
    if settings.zotero_library_id:
        items += await fetch_zotero_library(client, settings)
    return Profile(tuple(settings.interests), tuple(unique(items)), today)
