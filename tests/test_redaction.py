"""Redaction of sys.stdout and sys.stderr: whatever is written there, not only log records."""

from __future__ import annotations

import io
import sys

import pytest

from bot.logging_setup import RedactingStream, redact_std_streams

TOKEN = "123456:TEST-TOKEN"


def test_a_token_written_in_pieces_is_redacted_whole() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, (TOKEN,))
    for piece in ("the token is 1234", "56:TEST-", "TOKEN, see?\nand then"):
        stream.write(piece)
    assert target.getvalue() == "the token is [REDACTED], see?\n"  # the rest waits for its line's end
    stream.flush()
    assert target.getvalue() == "the token is [REDACTED], see?\nand then"


def test_a_token_shaped_string_is_redacted_without_being_named() -> None:
    target = io.StringIO()
    print("someone's", "654321:" + "A" * 30, file=RedactingStream(target))
    assert target.getvalue() == "someone's [REDACTED]\n"


def test_the_stream_is_a_terminal_when_its_target_is() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert RedactingStream(Terminal()).isatty()  # push-now's progress line depends on it
    assert not RedactingStream(io.StringIO()).isatty()


def test_stdout_and_stderr_are_wrapped_once_and_learn_the_token_later(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    redact_std_streams()
    redact_std_streams(TOKEN)
    assert isinstance(sys.stderr, RedactingStream) and sys.stderr.target is err
    print("stdout", TOKEN)
    print("stderr", TOKEN, file=sys.stderr)
    assert out.getvalue() == "stdout [REDACTED]\n" and err.getvalue() == "stderr [REDACTED]\n"
