"""What the benchmark scripts share: their own PostgreSQL database, created on demand."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure(default_database_url: str) -> None:
    """Point Django at the project and at the benchmark's database (DATABASE_URL wins)."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("DATABASE_URL", default_database_url)


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist (connecting to ``postgres``)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit(f"The benchmarks need PostgreSQL; DATABASE_URL is {url!r}.")
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"Created database {config['NAME']}.")


def setup_django() -> None:
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
