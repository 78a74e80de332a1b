"""Benchmarks: jobconsole side by side with APScheduler 3.x and the ``schedule`` library.

Run them all with ``python -m benchmarks`` (``--quick`` for a short smoke run,
``--only PART`` for one part); see ``benchmarks/README.md``. They print a
markdown table and write JSON to ``benchmarks/out/``. They never assert
timings: the table shows each figure next to its target.
"""
