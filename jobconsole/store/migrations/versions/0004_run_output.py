"""Each run's output: ``scheduled_job_runs.output``, what the run printed and logged (capped).

A nullable text column at the end of the table; existing rows keep every value
and have no output.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("scheduled_job_runs", sa.Column("output", sa.Text(), nullable=True))


def downgrade() -> None:
    # A batch on SQLite (it copies the table when its SQLite cannot drop a column in place).
    with op.batch_alter_table("scheduled_job_runs") as batch:
        batch.drop_column("output")
