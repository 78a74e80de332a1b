"""The attach channel: a replaced leader cannot overwrite its successor's state, a command nobody took in
time is expired rather than carried out late, and a pause is kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jobconsole.store import RunStore, open_store
from jobconsole.store import attach as attach_module
from jobconsole.store.attach import CommandKind


@pytest.fixture
def store(database_url: str) -> Iterator[RunStore]:
    opened = open_store(database_url)
    yield opened
    opened.close()


def test_a_replaced_leader_cannot_overwrite_its_successors_state(store: RunStore) -> None:
    channel = store.attach_channel()
    assert channel.published() is None
    assert channel.publish("old", 1, "pid 1 on a", '{"v": 1, "who": "old"}')
    assert channel.publish("new", 2, "pid 2 on b", '{"v": 1, "who": "new"}')
    # The old leader wakes up (SIGSTOP, a frozen VM) and publishes, or beats: both are refused.
    assert not channel.publish("old", 1, "pid 1 on a", '{"v": 1, "who": "old again"}')
    assert not channel.publish("old", 1, "pid 1 on a", None)
    published = channel.published()
    assert published is not None
    assert (published.instance, published.epoch, published.holder) == ("new", 2, "pid 2 on b")
    assert '"new"' in published.document


def test_a_command_no_leader_took_in_time_is_expired_never_carried_out_late(
    store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = store.attach_channel()
    fresh = channel.request(CommandKind.TRIGGER, "ann@laptop", job_name="feed")
    assert [command.id for command in channel.take_pending("pid 1 on a")] == [fresh]
    # Time passes with no leader: the next one to look finds it too old.
    monkeypatch.setattr(attach_module, "COMMAND_MAX_AGE_SECONDS", -1.0)
    assert channel.take_pending("pid 2 on b") == []
    expired = channel.command(fresh)
    assert expired is not None and expired.handled and expired.ok is False
    assert expired.result is not None and expired.result.startswith("expired: no scheduler took it within")
    # An answer that comes after is not taken: the command was answered once.
    channel.complete(fresh, "pid 1 on a", True, "started feed (run 7)", 7)
    again = channel.command(fresh)
    assert again is not None and again.ok is False and again.result_run_id is None


def test_a_pause_is_kept_with_who_asked(store: RunStore) -> None:
    channel = store.attach_channel()
    channel.set_paused("feed", True, "ann@laptop")
    assert set(channel.paused_jobs()) == {"feed"} and channel.paused_jobs()["feed"].paused_by == "ann@laptop"
    channel.set_paused("feed", False, "bob@desk")
    assert channel.paused_jobs() == {}
