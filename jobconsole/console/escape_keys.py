"""Esc typed just before a letter: the two keys the operator typed, not an Alt key nobody bound.

Terminals send Alt+q as the two bytes ESC q, so Textual (written against 8.2.8: its
XTermParser) reads an ESC followed within ``ESCDELAY`` (100 ms) by a letter or digit as one
key, ``alt+q``, and an operator's quick ``esc q`` did nothing at all. The console binds no
Alt key: one that nothing claims is read as the escape and the key it was typed as.
(ESC followed by punctuation, ``esc ?``, arrives from the parser as the punctuation alone:
the escape is lost before the console sees anything.)
"""

from __future__ import annotations

from collections.abc import Container

from textual import events


def split_escape(event: events.Key, bound: Container[str]) -> tuple[events.Key, events.Key] | None:
    """``escape`` and the plain key for an ``alt+`` letter or digit no binding in ``bound`` claims, else None."""
    key = event.key
    if not key.startswith("alt+") or key in bound:
        return None
    # The parser gives the typed character (Q for alt+shift+q); a synthesised key may carry none.
    character = event.character or key.removeprefix("alt+")
    if len(character) != 1 or not (character.isascii() and character.isalnum()):
        return None
    return events.Key("escape", "\x1b"), events.Key(character, character)
