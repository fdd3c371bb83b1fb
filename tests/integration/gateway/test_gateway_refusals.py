"""Requests the HTTP server refuses before the pipeline sees them (413, 431, 414, 408, 400): their
answers carry the client's x-request-id when its head got far enough to say one, and each is
logged (one access-log line, in the pipeline's format, without its key) and counted in /metrics
like any other request; `access_log: false` writes no line for them either."""
import json
import re
import socket

import pytest

from gwhttp import MESSAGES, channel, chat, config, metrics, metric_value
from sluice_testing import start_gateway, start_sim

SECRET = "sk-refused-secret-key"  # sent by every refused request; must never reach the log
AUTH = f"Authorization: Bearer {SECRET}\r\n".encode()
EXTRA = "body_limit: 1KiB\nrequest_timeout: 500ms\n"
CHAT = b"POST /v1/chat/completions"

# (client's id or None, bytes sent, status, route logged, whether the answer keeps the id)
REFUSALS = [
    # Content-Length over the limit, head in the common form (the fast path).
    ("rf-413", CHAT + b" HTTP/1.1\r\nHost: gw\r\n" + AUTH +
     b"x-request-id: rf-413\r\nContent-Length: 5000\r\n\r\n", 413, "/v1/chat/completions", True),
    # The same from an HTTP/1.0 client (Beast's parser, which stops before the head's end).
    ("rf-413-10", CHAT + b" HTTP/1.0\r\n" + AUTH +
     b"x-request-id: rf-413-10\r\nContent-Length: 5000\r\n\r\n", 413, "/v1/chat/completions",
     True),
    # The body never comes whole: request_timeout.
    ("rf-408", CHAT + b" HTTP/1.1\r\nHost: gw\r\n" + AUTH +
     b"x-request-id: rf-408\r\nContent-Length: 100\r\n\r\n{\"mo", 408, "/v1/chat/completions", True),
    # No Host, two Hosts.
    ("rf-host-0", b"GET /healthz HTTP/1.1\r\n" + AUTH + b"x-request-id: rf-host-0\r\n\r\n", 400,
     "/healthz", True),
    ("rf-host-2", b"GET /v1/models?x=1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n" + AUTH +
     b"x-request-id: rf-host-2\r\n\r\n", 400, "/v1/models", True),
    # Bad framing after a whole head: a chunk size that is not hex, a coding that is not chunked.
    ("rf-400-chunk", CHAT + b" HTTP/1.1\r\nHost: gw\r\n" + AUTH +
     b"x-request-id: rf-400-chunk\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
     "/v1/chat/completions", True),
    ("rf-400-te", CHAT + b" HTTP/1.1\r\nHost: gw\r\n" + AUTH +
     b"x-request-id: rf-400-te\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "/v1/chat/completions",
     True),
    # Unknown paths are logged under "other", as the pipeline logs them.
    ("rf-other", b"POST /v1/unknown/sk-in-path HTTP/1.1\r\nHost: gw\r\n" + AUTH +
     b"x-request-id: rf-other\r\nContent-Length: 5000\r\n\r\n", 413, "other", True),
    # A head too large: its fields before the one that overflowed were read, the id among them.
    ("rf-431", b"GET /v1/models HTTP/1.1\r\nHost: gw\r\n" + AUTH +
     b"x-request-id: rf-431\r\nx-big: " + b"b" * 17000, 431, "/v1/models", True),
    # Heads cut short before any field: no id was read, so the answer carries a new one.
    (None, b"GET /v1/models?q=" + b"u" * 17000, 414, "", False),
    (None, b"THIS IS NOT HTTP\r\n\r\n", 400, "", False),
]


def port_of(url):
    return int(url.rsplit(":", 1)[1])


def exchange(url, data):
    """Sends raw bytes; returns the answer's status, its fields and its body once the gateway
    closed the connection (as it does after every refusal)."""
    with socket.create_connection(("127.0.0.1", port_of(url)), timeout=10) as s:
        s.sendall(data)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), fields, body


def access_lines(output):
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.fixture
def sim(tmp_path, processes):
    s = start_sim(tmp_path)
    processes.append(s)
    return s


def test_refused_requests_keep_the_clients_id_and_are_logged_once(tmp_path, processes, sim):
    g = start_gateway(tmp_path, config(channel("sim0", sim.url), extra=EXTRA))
    processes.append(g)
    answered = []  # (id answered, expected line fields)
    for given, data, status, route, keeps_id in REFUSALS:
        got, fields, body = exchange(g.url, data)
        assert got == status, (given, body)
        assert json.loads(body)["error"]["type"] == "invalid_request_error"
        request_id = fields["x-request-id"]
        if keeps_id:
            assert request_id == given
        else:
            assert re.fullmatch(r"req_[0-9a-f]{24}", request_id)
        answered.append((request_id, status, route))
    # Counted where the pipeline counts every request: by route, status and (no) model.
    text = metrics(g.url)
    assert metric_value(
        text, 'sluice_requests_total{route="/v1/chat/completions",status="413",model=""}') == 2
    assert metric_value(text, 'sluice_requests_total{route="",status="414",model=""}') == 1
    assert chat(g.url).status_code == 200  # and the gateway keeps serving
    g.stop()  # flushes the access log
    output = g.output()
    lines = access_lines(output)
    for request_id, status, route in answered:
        [line] = [l for l in lines if l["request_id"] == request_id]  # exactly one each
        assert (line["status"], line["route"]) == (status, route), line
        assert (line["key"], line["model"], line["served_model"], line["channel"]) == ("",) * 4
        assert (line["attempts"], line["prompt_tokens"], line["completion_tokens"]) == (0, 0, 0)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
        assert line["latency_ms"] >= 0
        # The same fields, in the same order, as the line of a request the pipeline answered.
        assert list(line) == ["time", "request_id", "key", "route", "model", "served_model",
                              "channel", "status", "latency_ms", "attempts", "prompt_tokens",
                              "completion_tokens"]
    [timed_out] = [l for l in lines if l["request_id"] == "rf-408"]
    assert timed_out["latency_ms"] >= 400  # from the request's start, through request_timeout
    assert SECRET not in output and "sk-in-path" not in output


def test_access_log_off_writes_no_line_for_any_request(tmp_path, processes, sim):
    g = start_gateway(tmp_path, config(channel("sim0", sim.url),
                                       extra=EXTRA + "access_log: false\n"))
    processes.append(g)
    assert chat(g.url, headers={"x-request-id": "off-ok"}).status_code == 200
    for _, data, status, _, _ in REFUSALS:
        assert exchange(g.url, data)[0] == status
    g.stop()
    output = g.output()
    assert access_lines(output) == []
    assert "off-ok" not in output and "rf-413" not in output
