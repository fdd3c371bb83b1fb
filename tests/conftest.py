"""Fixtures shared by every Python test; helpers live in sluice_testing.py."""
import sys
import pathlib

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))


@pytest.fixture
def processes():
    started = []
    yield started
    for p in reversed(started):
        p.stop()
