"""The attach channel: the leader's published state, operators' commands, paused jobs.

- ``jobconsole_published``: one row, the leader's state as JSON and its heartbeat.
- ``jobconsole_commands``: trigger, stop, pause and resume commands with who asked,
  when, and what came of them.
- ``jobconsole_job_state``: paused jobs, kept across restarts.

Existing rows are untouched: the new tables start empty.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobconsole_published",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("instance", sa.String(64), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("holder", sa.String(300), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("published_at", sa.Float(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
    )
    op.create_table(
        "jobconsole_commands",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("job_name", sa.String(200), nullable=True),
        sa.Column("run_id", sa.BigInteger(), nullable=True),
        sa.Column("requested_by", sa.String(300), nullable=False),
        sa.Column("requested_at", sa.Float(), nullable=False),
        sa.Column("handled_by", sa.String(300), nullable=True),
        sa.Column("handled_at", sa.Float(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("result_run_id", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_jobconsole_commands_pending", "jobconsole_commands", ["handled_at", "id"])
    op.create_index("ix_jobconsole_commands_run", "jobconsole_commands", ["run_id"])
    op.create_index("ix_jobconsole_commands_result_run", "jobconsole_commands", ["result_run_id"])
    op.create_table(
        "jobconsole_job_state",
        sa.Column("job_name", sa.String(200), primary_key=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("paused_by", sa.String(300), nullable=True),
        sa.Column("paused_at", sa.Float(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("jobconsole_job_state")
    op.drop_table("jobconsole_commands")
    op.drop_table("jobconsole_published")
