"""A gateway with SQLite storage in front of `sluice sim`, plus helpers for stored keys and rows.

Keys are created with `sluice keys create` on the gateway's database while it runs (WAL lets the
CLI write beside it); usage rows are read back with sqlite3 after the gateway flushed them."""
import json
import os
import pathlib
import sqlite3
import subprocess

import httpx
import pytest

from sluice_testing import start_gateway, start_sim

REPO = pathlib.Path(__file__).resolve().parents[3]
SLUICE = os.environ.get("SLUICE_BIN", str(REPO / "build" / "sluice"))
ADMIN_TOKEN = "adm-test-token"
MESSAGES = [{"role": "user", "content": "Say hello to the pool."}]

# qwen3-max at list price, first tier (<= 32K input tokens), in nano-USD per token:
# input 1.20, output 6.00, cached input 0.24 USD per million tokens.
QWEN3_MAX_IN, QWEN3_MAX_OUT, QWEN3_MAX_CACHED = 1200, 6000, 240


def list_cost_nano(prompt, completion, cached=0):
    return (prompt - cached) * QWEN3_MAX_IN + cached * QWEN3_MAX_CACHED + completion * QWEN3_MAX_OUT


def scale(nano, multiplier):
    """money.h's scale(): round half away from zero."""
    x = nano * multiplier
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def run_cli(*args, check=True):
    p = subprocess.run([SLUICE, *args], capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError(f"sluice {' '.join(args)} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


class Stack:
    """sim + gateway on one SQLite file."""

    def __init__(self, tmp_path, processes, extra="", sim_flags=(), cost_multiplier=None,
                 extra_is_channels=False):
        self.tmp_path = tmp_path
        self.db = tmp_path / "keys.db"
        self.sim = start_sim(tmp_path, *sim_flags)
        processes.append(self.sim)
        channel = [
            "channels:",
            "  - name: sim0",
            f"    base_url: {self.sim.url}/v1",
            "    api_key: sim-0",
            "    models: [qwen3-max]",
        ]
        if cost_multiplier is not None:
            channel.append(f"    cost_multiplier: {cost_multiplier}")
        if extra_is_channels:  # more channels (and what follows), with {url} the sim's
            channel.append(extra.format(url=self.sim.url).rstrip("\n"))
            extra = ""
        config = "\n".join([f"storage: sqlite:{self.db}", f"admin_token: {ADMIN_TOKEN}",
                            *channel]) + "\n" + extra
        self.gateway = start_gateway(tmp_path, config)
        processes.append(self.gateway)
        self.url = self.gateway.url

    def create_key(self, name, *flags):
        out = run_cli("keys", "create", "--storage", f"sqlite:{self.db}", "--name", name,
                      "--format", "json", *flags).stdout
        return json.loads(out)["key"]

    def revoke_key(self, name):
        run_cli("keys", "revoke", "--storage", f"sqlite:{self.db}", name)

    def keys(self):
        out = run_cli("keys", "list", "--storage", f"sqlite:{self.db}", "--format", "json").stdout
        return {k["name"]: k for k in json.loads(out)}

    def chat(self, key, body=None, **kw):
        body = body or {"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 16}
        headers = {"authorization": f"Bearer {key}", **kw.pop("headers", {})}
        return httpx.post(self.url + "/v1/chat/completions", json=body, headers=headers,
                          timeout=30, **kw)

    def stop(self):
        """SIGTERM: the gateway drains, flushes its ledger and exits."""
        assert self.gateway.stop() == 0, self.gateway.output()

    def rows(self):
        con = sqlite3.connect(self.db)
        con.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in con.execute("SELECT * FROM usage_rows ORDER BY id")]
        finally:
            con.close()


@pytest.fixture
def stack(tmp_path, processes):
    return Stack(tmp_path, processes)


@pytest.fixture
def make_stack(tmp_path, processes):
    return lambda **kw: Stack(tmp_path, processes, **kw)
