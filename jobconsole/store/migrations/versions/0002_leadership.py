"""Leadership with fencing, one row per scheduled occurrence, 64-bit counts, missed occurrences.

- ``jobconsole_identity``: one row, a random id for this database, which
  names its directory of local state (journals, spool) on every host whatever
  the URL's spelling.
- ``jobconsole_leadership``: the lease and the leader's term (epoch);
  ``jobconsole_schedulers``: every scheduler process, leader and standbys.
- ``scheduled_job_runs.leader_epoch``: the term of the leader that wrote a row;
  ``missed_count``: how many occurrences a ``missed`` row stands for.
- A unique index on (job_name, scheduled_for) over scheduled rows that a
  leader wrote: rows from before terms existed carry no epoch and are left as
  they are, so a history that already holds a duplicate still upgrades.
- ``lines_added`` and ``lines_processed`` become 64-bit (SQLite's INTEGER
  already is).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SCHEDULED_BY_A_LEADER = sa.text("triggered_by = 'scheduled' AND leader_epoch IS NOT NULL")


def upgrade() -> None:
    identity = op.create_table("jobconsole_identity", sa.Column("database_id", sa.String(32), primary_key=True))
    op.bulk_insert(identity, [{"database_id": uuid.uuid4().hex}])
    op.create_table(
        "jobconsole_leadership",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("instance", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(300), nullable=False),
        sa.Column("process", sa.String(200), nullable=False),
        sa.Column("taken_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "jobconsole_schedulers",
        sa.Column("instance", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(300), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("seen_at", sa.Float(), nullable=False),
    )
    op.add_column("scheduled_job_runs", sa.Column("missed_count", sa.BigInteger(), nullable=True))
    op.add_column("scheduled_job_runs", sa.Column("leader_epoch", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("scheduled_job_runs", "lines_added", type_=sa.BigInteger())
        op.alter_column("scheduled_job_runs", "lines_processed", type_=sa.BigInteger())
    op.create_index(
        "ux_scheduled_job_runs_occurrence",
        "scheduled_job_runs",
        ["job_name", "scheduled_for"],
        unique=True,
        postgresql_where=_SCHEDULED_BY_A_LEADER,
        sqlite_where=_SCHEDULED_BY_A_LEADER,
    )
