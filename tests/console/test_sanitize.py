"""Text from jobs reaches the terminal without control sequences."""

from __future__ import annotations

import pytest

from jobconsole.console.sanitize import strip_control


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("clear\x1b[2Jscreen", "clearscreen"),
        ("\x1b[31mred\x1b[0m text", "red text"),
        ("cursor\x1b[10;20Hmoved", "cursormoved"),
        ("private\x1b[?1049hmode", "privatemode"),
        ("title\x1b]0;pwned\x07 after", "title after"),
        ("clipboard\x1b]52;c;ZXZpbA==\x1b\\ after", "clipboard after"),
        ("link \x1b]8;;http://x\x1b\\text\x1b]8;;\x1b\\", "link text"),
        ("dcs\x1bPq#0;2;0;0;0\x1b\\ end", "dcs end"),
        ("reset\x1bc!", "reset!"),
        ("charset\x1b(0x", "charsetx"),
        ("eight-bit\x9b2J csi", "eight-bit csi"),
        ("bell\x07 backspace\x08 nul\x00 del\x7f", "bell backspace nul del"),
        ("windows\r\nline", "windows\nline"),
        ("lone escape at the end\x1b", "lone escape at the end"),
        ("unterminated \x1b]0;title\nnext line", "unterminated \nnext line"),
    ],
)
def test_control_sequences_are_removed(raw: str, shown: str) -> None:
    assert strip_control(raw) == shown


def test_text_layout_and_markup_survive() -> None:
    text = 'Traceback (most recent call last):\n  File "job.py", line 3\n\tx = [red]1[/red] ✓ é'
    assert strip_control(text) == text
