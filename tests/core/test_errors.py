"""Errors are told apart by their type, never by their text: a cancelled job is an outcome, a
worded error is shown as it is (with its hint), and a programming error is a bug whose
traceback goes to the log."""

from __future__ import annotations

import io
import sys

import pytest

from mediabrowser.core.embed.registry import UnknownModel, get_spec
from mediabrowser.core.jobs.runner import failure_of
from mediabrowser.core.types import Cancelled, CancelToken, UserError


def test_a_cancelled_job_is_an_outcome() -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled) as caught:
        token.raise_if_cancelled()  # what every job does between two steps
    failure = failure_of(caught.value)
    assert failure.cancelled and not failure.bug


def test_worded_errors_are_shown_as_they_are() -> None:
    with pytest.raises(UnknownModel) as caught:
        get_spec("no-such-model")
    failure = failure_of(caught.value)
    assert not failure.bug and not failure.cancelled
    assert str(failure) == str(caught.value) and not str(failure).startswith("'")
    hinted = failure_of(UserError("the disk is full", "free some space and try again"))
    assert str(hinted) == "the disk is full; free some space and try again"


def test_a_programming_error_is_a_bug_with_its_traceback_in_the_log(
        monkeypatch: pytest.MonkeyPatch) -> None:
    log = io.StringIO()
    monkeypatch.setattr(sys, "__stderr__", log)
    try:
        {}["modality"]  # what a slip in the registry raised
    except KeyError as exc:
        failure = failure_of(exc)
    assert failure.bug and "KeyError" in str(failure) and "'modality'" not in str(failure)
    assert "Traceback" in log.getvalue() and "modality" in log.getvalue()
