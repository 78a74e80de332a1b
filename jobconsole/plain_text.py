"""Make text that a job produced safe to show in a terminal.

Job errors, tracebacks, messages and output are data. Console markup in them is
never interpreted (the console renders them with ``rich.text.Text``), and
terminal control sequences are removed here, so a job cannot clear the screen,
move the cursor, retitle the window or write to the clipboard of the operator,
in the console or through ``jobconsole show``. Outside the console package, so
that the shell CLI uses it without importing Textual.

A regular expression over ECMA-48 is enough: Rich's ``strip_control_codes``
keeps ESC sequences and ``Text.from_ansi`` would interpret colours.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(
    r"""
      \x1b\[ [0-?]* [\ -/]* [@-~]          # CSI: cursor moves, erase, colours
    | \x9b [0-?]* [\ -/]* [@-~]            # 8-bit CSI
    | \x1b\] [^\x07\x1b\n]* (?:\x07|\x1b\\)?   # OSC: titles, hyperlinks, clipboard
    | \x1b[PX^_] [^\x1b\n]* (?:\x1b\\)?      # DCS, SOS, PM, APC strings
    | \x1b [\ -/]* [0-~]                   # other escape sequences (nF, Fp, Fe, Fs)
    | [\x00-\x08\x0b-\x1f\x7f-\x9f]        # C0 (except tab, newline), DEL, C1
    """,
    re.VERBOSE,
)


def strip_control(text: str) -> str:
    """Return ``text`` without terminal control sequences or control characters.

    Newlines and tabs are kept; a carriage return is dropped, so ``\\r\\n``
    line ends become ``\\n``.
    """
    return _CONTROL.sub("", text)
