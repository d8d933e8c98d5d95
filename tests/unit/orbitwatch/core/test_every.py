from __future__ import annotations

import pytest

from orbitwatch.core.every import Every

pytestmark = pytest.mark.unit


def test_due_on_every_nth_call() -> None:
    every = Every(3)
    assert [every.due() for _ in range(7)] == [False, False, True, False, False, True, False]


def test_keys_count_separately() -> None:
    every = Every(2)
    assert [every.due("a"), every.due("b"), every.due("a"), every.due("b")] == [
        False,
        False,
        True,
        True,
    ]


def test_one_means_every_call_and_zero_is_refused() -> None:
    assert all(Every(1).due() for _ in range(3))
    with pytest.raises(ValueError):
        Every(0)
