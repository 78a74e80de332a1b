"""When the console's process collects garbage: in the pauses between keys, not during them.

Textual makes and drops a few thousand objects in reference cycles every second
(cached strips, replaced rows), and a full collection in the console's process
takes 30-50 ms. Left to itself the collector runs whenever enough objects were
made, which is often while a key is being answered: a page down then takes three
times as long. :class:`IdleCollector` turns automatic collection off and runs it
from the console's once-a-second refresh instead, once no key has come for a
moment; keys held down for long still get a collection every ``max_defer_seconds``.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


class IdleCollector:
    def __init__(
        self,
        *,
        quiet_seconds: float = 1.0,
        full_every_seconds: float = 10.0,
        max_defer_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        collect: Callable[[int], int] = gc.collect,
    ) -> None:
        self.quiet_seconds = quiet_seconds
        self.full_every_seconds = full_every_seconds
        self.max_defer_seconds = max_defer_seconds
        self._clock = clock
        self._collect = collect
        self._was_enabled = False
        self._started = False
        now = clock()
        self._last_input = now
        self._last_collection = now
        self._last_full = now

    def start(self) -> None:
        """Take over from automatic collection (given back by :meth:`stop`)."""
        if not self._started:
            self._started = True
            self._was_enabled = gc.isenabled()
            gc.disable()

    def stop(self) -> None:
        if self._started:
            self._started = False
            if self._was_enabled:
                gc.enable()

    def note_input(self) -> None:
        """A key (or click) arrived: an answer is being drawn."""
        self._last_input = self._clock()

    def tick(self) -> int | None:
        """Collect if the operator has paused (or it has waited too long); the generation collected, or None."""
        if not self._started:
            return None
        now = self._clock()
        quiet = now - self._last_input >= self.quiet_seconds
        if not quiet and now - self._last_collection < self.max_defer_seconds:
            return None
        generation = 2 if now - self._last_full >= self.full_every_seconds else 1
        self._collect(generation)
        self._last_collection = now
        if generation == 2:
            self._last_full = now
        return generation
