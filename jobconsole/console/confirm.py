"""A yes/no question before anything destructive (stopping runs, quitting with runs in progress)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmModal(ModalScreen[bool]):
    """Dismisses with True for yes, False for no. The safe answer has the focus.

    The question is about something that changes while it is open (runs in progress):
    its owner keeps it true with :meth:`update_question`, and closes it with
    :meth:`withdraw` (the result is None) once what it asks about is gone.
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes", tooltip="Yes, go ahead"),
        Binding("n", "answer(False)", "No", id="confirm_no", tooltip="No"),
        Binding("escape", "answer(False)", "Cancel", id="confirm_cancel", tooltip="No (cancel)"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self._question = question
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            # The question may hold job names: plain text, never markup.
            yield Static(Text(self._question), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(Text(f"{self._yes} (y)"), id="confirm-yes", variant="error")
                yield Button(Text(f"{self._no} (n)"), id="confirm-no", variant="primary")

    @property
    def question(self) -> str:
        return self._question

    def update_question(self, question: str) -> None:
        """Ask the same thing in new words (a count that changed); the answer keys stay."""
        if question == self._question:
            return
        self._question = question
        if self.is_mounted:
            self.query_one("#confirm-question", Static).update(Text(question))

    def withdraw(self) -> None:
        """Close without an answer (the result is None): what it asked about is gone; the owner says so."""
        if self.is_current:
            self.dismiss(None)

    def ask(self, app: App[object], answered: Callable[[bool | None], None]) -> None:
        """Put the question on screen with nothing over it: the notifications about what came before are
        cleared (they would show through, and new ones stay in the top third, above the buttons)."""
        app.clear_notifications()
        app.push_screen(self, answered)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")
