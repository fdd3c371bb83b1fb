"""Starts `sluice sim` with the flags a test names; every process is stopped after the test."""
import pytest

from sluice_testing import start_sim


@pytest.fixture
def sim(tmp_path, processes):
    def start(*flags, accounts=2, model="qwen3-max"):
        s = start_sim(tmp_path, *flags, accounts=accounts, model=model)
        processes.append(s)
        return s
    return start
