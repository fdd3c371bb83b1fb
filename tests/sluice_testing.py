"""Shared fixtures: start `sluice` processes on free ports and stop them afterwards.

Readiness is polled over HTTP (the signal that a server is up), never assumed after a sleep.
"""
import itertools
import os
import pathlib
import socket
import subprocess
import time

import httpx

ROOT = pathlib.Path(__file__).resolve().parent.parent
SLUICE_BIN = os.environ.get("SLUICE_BIN", str(ROOT / "build" / "sluice"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A child process whose output goes to a log file, stopped with SIGTERM on close."""

    def __init__(self, args, log_path, env=None, cwd=None):
        self.args = args
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})}, cwd=cwd)

    def wait_http(self, url, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.args[:2]} exited with {self.proc.returncode}:\n{self.output()}")
            try:
                httpx.get(url, timeout=0.5)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"{url} not ready in {timeout}s:\n{self.output()}")

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return pathlib.Path(self.log_path).read_text(errors="replace")

    def stop(self, timeout=20.0) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
        return self.proc.returncode


def _start_on_free_port(start, attempts=3):
    """Runs start(port) on a fresh free port. The port is free when picked but another process may
    take it before ours binds it; sluice then exits with "Address already in use" (it never shares
    a port), and the next attempt takes another port."""
    for attempt in range(attempts):
        proc = start(free_port())
        try:
            proc.wait_http(proc.ready_url)
            return proc
        except RuntimeError:
            raced = proc.proc.poll() is not None and "Address already in use" in proc.output()
            proc.stop()
            if not raced or attempt == attempts - 1:
                raise


def start_sim(tmp_path, *flags, accounts=2, model="qwen3-max:rpm=6000,rps=1000,tpm=10000000",
              latency_ms=0):
    """`latency_ms=None` leaves latency to a --config file (the flag would override it)."""
    def start(port):
        args = [SLUICE_BIN, "sim", "--listen", f"127.0.0.1:{port}", "--accounts", str(accounts)]
        if latency_ms is not None:
            args += ["--latency-ms", str(latency_ms)]
        if model:
            args += ["--model", model]
        args += list(flags)
        proc = Process(args, tmp_path / f"sim-{port}.log")
        proc.url = f"http://127.0.0.1:{port}"
        proc.ready_url = proc.url + "/v1/models"
        return proc
    return _start_on_free_port(start)


def start_gateway(tmp_path, config_text, env=None):
    def start(port):
        config = tmp_path / f"sluice-{port}.yaml"
        config.write_text(f"listen: 127.0.0.1:{port}\n" + config_text)
        proc = Process([SLUICE_BIN, "serve", "--config", str(config)], tmp_path / f"gw-{port}.log",
                       env)
        proc.url = f"http://127.0.0.1:{port}"
        proc.ready_url = proc.url + "/healthz"
        proc.config_path = config
        return proc
    return _start_on_free_port(start)


def wait_until(predicate, timeout=10.0):
    """Polls `predicate` until it holds (for state with no event to wait on)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


_start_gateway_as_configured = start_gateway
_databases = itertools.count()


def start_gateway(tmp_path, config_text, env=None):  # noqa: F811 (wraps the one above)
    """start_gateway, with a fresh SQLite file under tmp_path when the configuration names no
    `storage:`, so no test writes (or shares) the working directory's ./sluice.db."""
    if "storage:" not in config_text:
        config_text = f"storage: sqlite:{tmp_path / f'sluice-{next(_databases)}.db'}\n" + config_text
    return _start_gateway_as_configured(tmp_path, config_text, env)
