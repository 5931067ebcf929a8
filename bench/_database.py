"""The database of a benchmark: PostgreSQL from DATABASE_URL (created when missing, dropped at the end)
or, with ``--allow-sqlite``, a scratch SQLite file; a scratch directory for VAR_DIR and MEDIA_ROOT;
Django set up as a worker runs it (DEBUG off, no e-mail). Shared by the benchmarks that build their own
region in one process (checkpoint detection, absence alerts, quarterly report).

    with bench_database(name="bench_x", script="bench/x.py", allow_sqlite=args.allow_sqlite, keep=args.keep) as db:
        ...                                  # Django is set up; migrate, build, measure
        db.cleanup = lambda: remove(region)  # run at the end in a database that existed before (kept)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.attendance_upload import _django, create_database, drop_database  # noqa: E402 - after the path


@dataclass
class BenchDatabase:
    url: str  # as given (empty: the scratch SQLite file)
    postgres: bool
    created: bool  # a PostgreSQL database this run created (and drops at the end)
    scratch: Path
    vendor: str = ""
    cleanup: Callable[[], None] | None = None  # removes the benchmark's rows from a database that is kept


@contextmanager
def bench_database(
    *,
    name: str,
    script: str,
    allow_sqlite: bool,
    keep: bool,
    sizes: str = "sizes",
    environment: dict[str, str] | None = None,
) -> Iterator[BenchDatabase]:
    """``name``, ``script`` and ``sizes`` (the options to make smaller) for the message refusing SQLite;
    ``environment``: defaults for more environment variables, set before Django."""
    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))
    if not postgres and not allow_sqlite:
        raise SystemExit(
            "This benchmark is about PostgreSQL. Set DATABASE_URL, e.g.\n"
            f"  DATABASE_URL=postgres://postgres@127.0.0.1:5432/{name} .venv/bin/python {script}\n"
            f"or pass --allow-sqlite (with smaller {sizes})."
        )
    scratch = Path(tempfile.mkdtemp(prefix=f"{name.replace('_', '-')}-"))
    os.environ["VAR_DIR"] = str(scratch)
    os.environ["MEDIA_ROOT"] = str(scratch / "media")
    os.environ.setdefault("DEBUG", "0")  # as a worker runs: no query log
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    for key, value in (environment or {}).items():
        os.environ.setdefault(key, value)
    if not url:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
    created = create_database(url) if postgres else False
    database = BenchDatabase(url=url, postgres=postgres, created=created, scratch=scratch)
    try:
        _django()
        from django.db import connection

        database.vendor = connection.vendor
        yield database
    finally:
        from django.db import connections

        if database.cleanup is not None and not created and not keep and postgres:
            database.cleanup()
        connections.close_all()
        if created and not keep:
            drop_database(url)
        if keep:
            print(f"kept: {scratch}" + (f" and {url}" if url else ""))
        else:
            shutil.rmtree(scratch, ignore_errors=True)
