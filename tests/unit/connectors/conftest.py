"""Fixtures shared by the connector tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.demo.server import DemoFeedServer


@pytest.fixture
async def server() -> AsyncIterator[DemoFeedServer]:
    """The demo feed server on 127.0.0.1 (test_fetch.py has a ``server`` of its own)."""
    async with DemoFeedServer() as srv:
        yield srv
