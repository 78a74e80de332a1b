"""A run's output within its cap: whole when it fits, else head, a line saying what was cut, and tail."""

from __future__ import annotations

from jobconsole.engine.output import OUTPUT_HEAD_BYTES, OUTPUT_TAIL_BYTES, OutputCapture


def test_nothing_written_is_no_output() -> None:
    assert OutputCapture().text() is None


def test_output_that_fits_is_kept_whole_and_storable() -> None:
    capture = OutputCapture()
    capture.write(b"caf\xc3\xa9 \x00ok\n")
    capture.write(b"bad byte \xff here\n")
    capture.write_text("a lone surrogate \ud800\n")
    assert capture.text() == "café ok\nbad byte \ufffd here\na lone surrogate \\ud800\n"


def test_output_at_the_cap_exactly_is_not_cut() -> None:
    capture = OutputCapture()
    capture.write(b"x" * (OUTPUT_HEAD_BYTES + OUTPUT_TAIL_BYTES))
    assert capture.text() == "x" * (OUTPUT_HEAD_BYTES + OUTPUT_TAIL_BYTES)


def test_long_output_is_cut_between_characters_and_says_how_many_bytes() -> None:
    capture = OutputCapture()
    # Two-byte characters, one byte off: both cuts would fall inside a character.
    capture.write(b"h")
    for _ in range(100):
        capture.write("é".encode() * 1000)
    capture.write(b"end\n")
    text = capture.text()
    head, tail = text.split("\n… ", 1)
    marker, tail = tail.split(" …\n", 1)
    assert head == "h" + "é" * ((OUTPUT_HEAD_BYTES - 1) // 2)
    assert tail.endswith("end\n") and set(tail[:-4]) == {"é"}
    kept = len(head.encode()) + len(tail.encode())
    assert marker == f"{1 + 200_000 + 4 - kept:,} bytes cut"
    assert kept <= OUTPUT_HEAD_BYTES + OUTPUT_TAIL_BYTES
