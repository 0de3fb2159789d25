"""Child processes of a test on the test database: the URL of the database the test
runs on (pytest-django's test_<name>[_gwN]) and an environment for `python` children
that use it. Only for `transaction=True` tests: a child sees committed rows only."""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def current_database_url() -> str:
    """The DATABASE_URL of the database this test runs on."""
    db = connection.settings_dict
    user = urllib.parse.quote(db.get("USER") or "postgres", safe="")
    password = db.get("PASSWORD") or ""
    auth = f"{user}:{urllib.parse.quote(password, safe='')}" if password else user
    host = db.get("HOST") or "127.0.0.1"
    if host.startswith("/"):
        host = urllib.parse.quote(host, safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


def child_env(**overrides: str) -> dict[str, str]:
    """This process's environment without pytest's and Django's variables, pointed at
    the test database, plus `overrides`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_"))
    }
    env.update(DATABASE_URL=current_database_url(), PYTHONPATH=str(ROOT))
    env.update(overrides)
    return env
