from __future__ import annotations

import pytest

from orbitwatch.web.csrf import new_token, same_origin, valid_token

pytestmark = pytest.mark.unit


def test_tokens_are_long_and_unique() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 40 for t in tokens)


def test_token_must_equal_the_cookie() -> None:
    token = new_token()
    assert valid_token(token, token)
    assert not valid_token(token, new_token())
    assert not valid_token(token, None)
    assert not valid_token(None, token)
    assert not valid_token("", "")


def test_origin_must_be_the_desk_itself() -> None:
    assert same_origin(None, "127.0.0.1:8600")  # left to the token
    assert same_origin("http://127.0.0.1:8600", "127.0.0.1:8600")
    assert not same_origin("http://evil.example", "127.0.0.1:8600")
    assert not same_origin("http://127.0.0.1:8601", "127.0.0.1:8600")
    assert not same_origin("null", "127.0.0.1:8600")
