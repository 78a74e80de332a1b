"""Every key of the console is a Binding with an id (so users can remap it) and words for the footer and help."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from jobconsole.console.app import JobConsoleApp
from jobconsole.console.confirm import ConfirmModal
from jobconsole.console.detail import RunDetailScreen
from jobconsole.console.help import HelpScreen
from jobconsole.console.history import HistoryFilter, HistoryTable
from jobconsole.console.job_screen import JobScreen
from jobconsole.console.main_screen import MainScreen
from jobconsole.console.run_table import RunTable
from jobconsole.console.upcoming import UpcomingTable
from jobconsole.console.stopping import StoppingScreen

OWNERS = [
    JobConsoleApp,
    MainScreen,
    UpcomingTable,
    RunTable,
    HistoryTable,
    HistoryFilter,
    JobScreen,
    RunDetailScreen,
    HelpScreen,
    ConfirmModal,
    StoppingScreen,
]


@pytest.mark.parametrize("owner", OWNERS, ids=lambda owner: owner.__name__)
def test_each_key_has_an_id_a_description_and_a_tooltip(owner: type) -> None:
    bindings = owner.__dict__["BINDINGS"]
    assert bindings
    for binding in bindings:
        assert isinstance(binding, Binding)
        assert binding.id and binding.description and binding.tooltip, binding


def test_binding_ids_are_unique_per_action() -> None:
    actions_by_id: dict[str, set[str]] = {}
    for owner in OWNERS:
        for binding in owner.__dict__["BINDINGS"]:
            actions_by_id.setdefault(binding.id, set()).add(f"{owner.__name__}.{binding.action}")
    assert all(len(actions) == 1 for actions in actions_by_id.values()), actions_by_id
