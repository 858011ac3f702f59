"""Named states: where a paper stands in a digest, and how a run ended.

Each is a :class:`~enum.StrEnum` whose value is what the database stores
(``digest_papers.state``, ``runs.status``). Display text (the digest's Korean reasons, the
log lines) is made from a state where it is shown, never parsed back into one.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PaperState", "RunStatus"]


class PaperState(StrEnum):
    """Where one paper of a day's list stands in its digest (``digest_papers.state``).

    A new kind of digest entry is a new member here, stored as its value;
    :attr:`summarized` and :attr:`unfinished` say how each member counts.
    """

    SUMMARIZED = "summarized"  # its full summary is in the digest
    BRIEFED = "briefed"  # ranked below --top: its brief is in the digest's 그 밖의 논문
    FAILED = "failed"  # every answer failed the checks, or the model API failed for it
    NOT_DONE = "not_done"  # the run stopped before it: token cap, or the model API down
    SKIPPED = "skipped"  # nothing to summarize from (no abstract, no full text)
    FILTERED = "filtered"  # left out by --min-upvotes/--include/--exclude/--limit

    @property
    def summarized(self) -> bool:
        """Whether the digest shows a summary of the paper, full or brief (an entry, not a
        line of the list of papers left out)."""
        return self in (PaperState.SUMMARIZED, PaperState.BRIEFED)

    @property
    def unfinished(self) -> bool:
        """Whether the paper was meant to be summarized and is not (failed or not done): the
        day is then ``partial`` (exit 3), and a rerun asks for it again."""
        return self in (PaperState.FAILED, PaperState.NOT_DONE)


class RunStatus(StrEnum):
    """How a ``runs`` row ended (``runs.status``)."""

    RUNNING = "running"  # started; still running, or killed before it could say (kill -9)
    DONE = "done"  # every paper summarized, or none was to be
    PARTIAL = "partial"  # a digest was written, but some paper failed or was not done
    FAILED = "failed"  # an error stopped it
    KILLED = "killed"  # left RUNNING by a process that died; marked by the day's next run

    @property
    def completed(self) -> bool:
        """Whether the run got to its end (``done`` or ``partial``): its counts describe
        the digest it wrote."""
        return self in (RunStatus.DONE, RunStatus.PARTIAL)
