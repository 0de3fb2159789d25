"""One jeopardy scanner process of tests/jeopardy/test_scan_processes.py.

Run as `python -m tests.jeopardy.scan_process ROUNDS BATCH_SIZE` against the test
database (DATABASE_URL, EMAIL_BACKEND=locmem). ROUNDS is a JSON list of
[advisory lock key, scan time]: for each round the process waits until the test
releases that PostgreSQL advisory lock (its start signal, shared with the other
scanner), runs the public scan service at that time, and records what it did. At the
end it prints one JSON line: per round the ScanResult, its batches (when each was
taken and the ids of the tasks it locked: the selector is wrapped to record them) and
the emails it sent.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from datetime import datetime
from typing import Any

import django


def main(rounds: list[tuple[int, str]], batch_size: int) -> list[dict[str, Any]]:
    from django.core import mail
    from django.db import connection

    from jeopardy.services import jeopardy_scan
    from jeopardy.services import scan as scan_module

    batches: list[dict[str, Any]] = []
    due_for_update = scan_module.jeopardy_tasks_due_for_update

    def due_recorded(**kwargs: Any) -> Any:
        tasks = due_for_update(**kwargs)
        batches.append({"at": time.time(), "ids": [task.pk for task in tasks]})
        return tasks

    scan_module.jeopardy_tasks_due_for_update = due_recorded  # type: ignore[assignment]
    report = []
    for key, at in rounds:
        with connection.cursor() as cursor:
            # Blocks while the test holds the lock; both scanners wake up together.
            cursor.execute("SELECT pg_advisory_lock_shared(%s)", [key])
            cursor.execute("SELECT pg_advisory_unlock_shared(%s)", [key])
        batches.clear()
        mail.outbox = []
        result = jeopardy_scan(now=datetime.fromisoformat(at), batch_size=batch_size)
        report.append(
            {
                "looked_at": result.looked_at,
                "raised": result.raised,
                "alert_ids": result.alert_ids,
                "notices": [asdict(notice) for notice in result.notices],
                "batches": list(batches),
                "emails": [
                    {"to": message.to, "subject": message.subject, "body": message.body}
                    for message in mail.outbox
                ],
            }
        )
    return report


if __name__ == "__main__":
    django.setup()
    print(json.dumps(main(json.loads(sys.argv[1]), int(sys.argv[2]))))  # noqa: T201
