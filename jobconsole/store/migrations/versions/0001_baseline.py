"""Baseline: the schema of release 0.1.0, before migrations existed.

A database made by that release has this schema and no ``alembic_version``
table; :func:`jobconsole.store.migrations.upgrade_schema` stamps it with this
revision and upgrades it from here, keeping its rows.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_RunId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scheduled_job_runs",
        sa.Column("id", _RunId, primary_key=True, autoincrement=False),
        sa.Column("job_name", sa.String(200), nullable=False),
        sa.Column("triggered_by", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("run_mode", sa.String(16), nullable=False),
        sa.Column("scheduled_for", _Timestamp, nullable=True),
        sa.Column("started_at", _Timestamp, nullable=False),
        sa.Column("finished_at", _Timestamp, nullable=True),
        sa.Column("deadline_at", _Timestamp, nullable=True),
        sa.Column("success", sa.Boolean(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("traceback", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("lines_added", sa.Integer(), nullable=True),
        sa.Column("lines_processed", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.BigInteger(), nullable=True),
        sa.Column("ended_by", sa.String(16), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(255), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
    )
    op.create_index("ix_scheduled_job_runs_job_name_id", "scheduled_job_runs", ["job_name", "id"])
    op.create_index("ix_scheduled_job_runs_success_id", "scheduled_job_runs", ["success", "id"])
    op.create_index("ix_scheduled_job_runs_success_started_at", "scheduled_job_runs", ["success", "started_at"])
    op.create_index("ix_scheduled_job_runs_status", "scheduled_job_runs", ["status"])
