"""The alert policy's state per job: ``jobconsole_alert_state``.

A new table; existing tables and rows are untouched, and it starts empty (no
job is failing as far as the policy knows until its next failed run).

Revision ID: 0006
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobconsole_alert_state",
        sa.Column("job_name", sa.String(200), primary_key=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_count", sa.BigInteger(), nullable=False),
        sa.Column("last_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("watched_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leader_epoch", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("jobconsole_alert_state")
