"""Every injected fault, observed at the connection: 5xx, reset, hang, slow first byte, stream
cut; and fault decisions replayed by the seed."""
import json
import socket
import time
from urllib.parse import urlparse

import httpx

from simhttp import HELLO, chat, model_stats, raw_post, stats
from sluice_testing import wait_until


def connect(url):
    port = urlparse(url).port
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    return sock, port


def read_until_closed(sock):
    """Everything the server sent, and how the connection ended: 'reset' or 'closed'."""
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data, "closed"
            data += chunk
    except ConnectionResetError:
        return data, "reset"


def faults(url):
    return model_stats(url)["faults"]


def test_error_5xx_answers_the_configured_status(sim):
    s = sim("--faults", "error_5xx=1,error_status=503")
    r = chat(s.url)
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "internal_error"
    assert faults(s.url)["error_5xx"] == 1


def test_reset_drops_the_connection_before_any_byte(sim):
    s = sim("--faults", "reset=1")
    sock, port = connect(s.url)
    sock.sendall(raw_post(port, "/v1/chat/completions", {"model": "qwen3-max", "messages": HELLO}))
    data, end = read_until_closed(sock)
    assert (data, end) == (b"", "reset")
    wait_until(lambda: faults(s.url)["reset"] == 1)
    assert stats(s.url)["accounts"]["sim-0"]["in_flight"] == 0


def test_hang_never_answers_until_the_client_goes(sim):
    s = sim("--faults", "hang=1")
    sock, port = connect(s.url)
    sock.sendall(raw_post(port, "/v1/chat/completions", {"model": "qwen3-max", "messages": HELLO}))
    sock.settimeout(0.7)
    try:
        got = sock.recv(1)
    except socket.timeout:
        got = None
    assert got is None
    assert stats(s.url)["accounts"]["sim-0"]["in_flight"] == 1
    sock.close()
    wait_until(lambda: stats(s.url)["accounts"]["sim-0"]["in_flight"] == 0)
    assert faults(s.url)["hang"] == 1


def test_slow_first_byte_delays_the_answer(sim):
    s = sim("--faults", "slow_first_byte=1,slow_first_byte_ms=600")
    start = time.monotonic()
    r = chat(s.url)
    assert r.status_code == 200
    assert time.monotonic() - start >= 0.6
    assert faults(s.url)["slow_first_byte"] == 1


def test_stream_cut_resets_after_half_the_answer(sim):
    s = sim("--faults", "stream_cut=1", "--answer-tokens", "10")
    sock, port = connect(s.url)
    sock.sendall(raw_post(port, "/v1/chat/completions",
                          {"model": "qwen3-max", "messages": HELLO, "stream": True}))
    data, end = read_until_closed(sock)
    assert end == "reset" or not data.endswith(b"0\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200")
    assert data.count(b'"content":') == 1 + 5  # the role chunk, then half the tokens
    assert b"[DONE]" not in data
    wait_until(lambda: faults(s.url)["stream_cut"] == 1)
    assert model_stats(s.url)["completion_tokens"] == 5


def test_stream_cut_truncates_a_plain_answer(sim):
    s = sim("--faults", "stream_cut=1")
    sock, port = connect(s.url)
    sock.sendall(raw_post(port, "/v1/chat/completions", {"model": "qwen3-max", "messages": HELLO}))
    data, _ = read_until_closed(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    chunk = body.split(b"\r\n")[1]
    try:
        json.loads(chunk)
        parsed = True
    except ValueError:
        parsed = False
    assert not parsed  # half a JSON document
    try:
        chat(s.url)
        raised = False
    except httpx.TransportError:
        raised = True
    assert raised


def test_fault_decisions_replay_for_a_seed(sim):
    flags = ("--seed", "11", "--faults", "error_5xx=0.5")
    a, b = sim(*flags), sim(*flags)
    statuses = lambda s: [chat(s.url).status_code for _ in range(30)]
    sa = statuses(a)
    assert sa == statuses(b)
    assert 5 <= sa.count(500) <= 25
    assert faults(a.url)["error_5xx"] == sa.count(500)


def test_faults_are_per_account(sim, tmp_path):
    config = tmp_path / "sim.yaml"
    config.write_text("""
accounts:
  - {key: flaky, faults: {error_5xx: 1}}
  - {key: steady}
""")
    s = sim("--config", str(config), accounts=0, model=None)
    assert chat(s.url, key="flaky").status_code == 500
    assert chat(s.url, key="steady").status_code == 200
