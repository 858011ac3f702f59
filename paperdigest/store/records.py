"""The old home of :mod:`paperdigest.records`, kept only for :mod:`paperdigest.model.reask`
until it imports ``PriorAnswer`` and ``Summary`` from :mod:`paperdigest.records` (then this
module goes, and so does the import-linter exception for it in pyproject.toml)."""

from paperdigest.records import PriorAnswer, Summary

__all__ = ["PriorAnswer", "Summary"]
