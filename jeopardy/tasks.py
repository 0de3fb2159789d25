"""django-q2 entry points of jeopardy; each calls one service and is safe to run twice
(or twice at once: overlapping scans skip each other's rows)."""

from __future__ import annotations

from jeopardy.services import jeopardy_scan


def jeopardy_scan_task() -> int:
    """Re-assess the tasks due a jeopardy check (periodic); returns how many."""
    return jeopardy_scan().looked_at
