"""Storage tests run on SQLite and on a PostgreSQL server they start themselves
(testkit.postgres): ``database_url`` runs a test on both, ``pg_url`` on PostgreSQL only."""

from testkit.postgres import database_url, pg_server, pg_url

__all__ = ["database_url", "pg_server", "pg_url"]
