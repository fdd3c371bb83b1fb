"""How the gateway frames HTTP messages: heads in the common form take a fast path
(src/net/simple_head.h), everything else Beast's parser, and both must read the same. Requests:
bodies that arrive after their head, pipelined requests, Connection: close, HTTP/1.0, chunked, a
client that leaves mid-body. Upstream answers framed by Content-Length: bodies in pieces, pooled
connections, Connection: close, a body cut short or stalled."""
import json
import socket
import time

import httpx
import pytest

from gwhttp import KEY, MESSAGES, SizedUpstream, channel, chat, config
from sluice_testing import start_gateway, start_sim

BODY = json.dumps({"model": "qwen3-max", "messages": MESSAGES}).encode()


@pytest.fixture
def gateway(tmp_path, processes):
    sim = start_sim(tmp_path)
    processes.append(sim)
    g = start_gateway(tmp_path, config(channel("sim0", sim.url)))
    processes.append(g)
    return g


def connect(url):
    s = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def request_bytes(request_id, version="HTTP/1.1", extra=b""):
    return (f"POST /v1/chat/completions {version}\r\nHost: gw\r\n"
            f"Authorization: Bearer {KEY}\r\nContent-Type: application/json\r\n"
            f"X-Request-Id: {request_id}\r\nContent-Length: {len(BODY)}\r\n").encode() + extra + \
        b"\r\n" + BODY


def read_until_closed(s):
    answer = b""
    while chunk := s.recv(65536):
        answer += chunk
    return answer


def answers_in(data):
    """Splits a run of content-length framed answers into (status line, headers, body) tuples."""
    answers = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(fields["content-length"])
        answers.append((lines[0], fields, rest[:length]))
        data = rest[length:]
    return answers


def test_a_body_sent_after_its_head_in_pieces_is_read_whole(gateway):
    with connect(gateway.url) as s:
        whole = request_bytes("split-1", extra=b"Connection: close\r\n")
        head_end = whole.index(b"\r\n\r\n") + 4
        s.sendall(whole[:head_end])
        # Pacing, not waiting for a signal: each piece should reach the gateway in a read of its
        # own. Were two to arrive together, the test would still check the same thing.
        for piece in (whole[head_end:head_end + 5], whole[head_end + 5:-3], whole[-3:]):
            time.sleep(0.05)
            s.sendall(piece)
        [(status, fields, body)] = answers_in(read_until_closed(s))
    assert status == "HTTP/1.1 200 OK"
    assert fields["x-request-id"] == "split-1"
    assert json.loads(body)["object"] == "chat.completion"


def test_pipelined_requests_are_answered_in_order_and_close_is_honoured(gateway):
    with connect(gateway.url) as s:
        s.sendall(request_bytes("pipe-1") + request_bytes("pipe-2") +
                  request_bytes("pipe-3", extra=b"Connection: close\r\n"))
        answers = answers_in(read_until_closed(s))  # the gateway closes after the third
    assert [status for status, _, _ in answers] == ["HTTP/1.1 200 OK"] * 3
    assert [fields["x-request-id"] for _, fields, _ in answers] == ["pipe-1", "pipe-2", "pipe-3"]
    assert answers[2][1].get("connection") == "close"


def test_http_1_0_and_chunked_requests_are_still_read(gateway):
    with connect(gateway.url) as s:
        s.sendall(request_bytes("old-1", version="HTTP/1.0"))
        [(status, fields, _)] = answers_in(read_until_closed(s))  # 1.0: closed after the answer
    assert status == "HTTP/1.1 200 OK" and fields["x-request-id"] == "old-1"
    chunked = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer {KEY}\r\n"
               "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    chunked += f"{len(BODY):x}\r\n".encode() + BODY + b"\r\n0\r\n\r\n"
    with connect(gateway.url) as s:
        s.sendall(chunked)
        [(status, _, body)] = answers_in(read_until_closed(s))
    assert status == "HTTP/1.1 200 OK", body


def test_a_client_that_leaves_mid_body_gets_no_answer_and_the_server_keeps_serving(gateway):
    with connect(gateway.url) as s:
        whole = request_bytes("gone-1")
        s.sendall(whole[:-10])
        s.shutdown(socket.SHUT_WR)
        assert read_until_closed(s) == b""  # nobody is there to read an error
    assert chat(gateway.url).status_code == 200


def read_answer(s):
    """One content-length framed answer from a connection that stays open: (status line,
    headers, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(fields["content-length"]):
        body += s.recv(65536)
    return lines[0], fields, body


def test_a_transfer_coding_other_than_chunked_is_refused_and_its_body_never_read_as_a_request(
        gateway):
    # RFC 9112 6.3: no length can be known. Read as bodiless, the body would be a second request
    # that a proxy in front, framing the first otherwise, never saw.
    smuggled = (f"GET /v1/models HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer {KEY}\r\n"
                "Connection: close\r\n\r\n").encode()
    for coding in (b"gzip", b"identity", b"chunked, gzip"):
        with connect(gateway.url) as s:
            s.sendall(b"POST /v1/embeddings HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: " +
                      coding + b"\r\n\r\n" + smuggled)
            answers = answers_in(read_until_closed(s))
        assert [status for status, _, _ in answers] == ["HTTP/1.1 400 Bad Request"], coding
        assert answers[0][1]["x-request-id"].startswith("req_")  # HTTP-layer answers have one too


def test_a_stream_to_an_http_1_0_client_is_unframed_and_ends_with_the_connection(gateway):
    body = json.dumps({"model": "qwen3-max", "messages": MESSAGES, "stream": True}).encode()
    with connect(gateway.url) as s:
        s.sendall((f"POST /v1/chat/completions HTTP/1.0\r\nAuthorization: Bearer {KEY}\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
        answer = read_until_closed(s)
    head, _, events = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"transfer-encoding" not in head.lower() and b"content-length" not in head.lower()
    assert events.startswith(b"data: {") and events.endswith(b"data: [DONE]\n\n"), events[:80]


def test_an_http_1_0_client_that_asks_to_keep_the_connection_is_told_it_is_kept(gateway):
    with connect(gateway.url) as s:
        for _ in range(2):
            s.sendall(b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            status, fields, body = read_answer(s)
            assert status == "HTTP/1.1 200 OK" and fields["connection"] == "keep-alive"
            assert json.loads(body) == {"status": "ok"}


def test_a_head_request_gets_the_head_alone_and_the_connection_stays_in_step(gateway):
    with connect(gateway.url) as s:
        s.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: gw\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK") and b"Content-Length: 15" in head
        # Were the body sent after the head, it would be read as the start of the next answer.
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n")
        status, _, body = read_answer(s)
        assert rest == b"" and status == "HTTP/1.1 200 OK" and json.loads(body) == {"status": "ok"}


def test_a_later_request_on_a_kept_connection_has_request_timeout_from_its_first_byte(
        tmp_path, processes):
    # request_timeout 500ms, idle_timeout left at 120 s: the half-sent head must meet the former.
    g = start_gateway(tmp_path, config(channel("sim0", "http://127.0.0.1:9"),
                                       extra="request_timeout: 500ms\n"))
    processes.append(g)
    with connect(g.url) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n")
        assert read_answer(s)[0] == "HTTP/1.1 200 OK"
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n")
        status, _, body = read_answer(s)  # the socket's own timeout (10 s) fails the test
    assert status == "HTTP/1.1 408 Request Timeout", body


def test_a_chunk_line_that_never_ends_is_refused_before_it_fills_memory(gateway):
    # Beast bounds heads and bodies but not a chunk's size line with its extensions.
    with connect(gateway.url) as s:
        s.sendall(f"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer {KEY}\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n1;a=".encode())
        s.sendall(b"b" * 48 * 1024)  # three times the 16 KiB a head may take; never a CRLF
        answer = read_until_closed(s)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request"), answer[:80]


def test_an_http_1_1_request_must_name_one_host(gateway):
    for head in (b"GET /healthz HTTP/1.1\r\n", b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n"):
        with connect(gateway.url) as s:
            s.sendall(head + b"\r\n")
            [(status, _, body)] = answers_in(read_until_closed(s))
        assert status == "HTTP/1.1 400 Bad Request", head
        assert "exactly one Host" in json.loads(body)["error"]["message"]
    with connect(gateway.url) as s:  # HTTP/1.0 has no Host requirement
        s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        [(status, _, _)] = answers_in(read_until_closed(s))
    assert status == "HTTP/1.1 200 OK"


def test_a_wrong_method_is_a_405_that_says_which_are_allowed(gateway):
    for method, path, allowed in (("POST", "/v1/models", "GET, HEAD"),
                                  ("DELETE", "/v1/models/qwen3-max", "GET, HEAD"),
                                  ("GET", "/v1/chat/completions", "POST")):
        r = httpx.request(method, gateway.url + path, headers={"authorization": f"Bearer {KEY}"})
        assert (r.status_code, r.headers["allow"]) == (405, allowed), (method, path)
        assert r.json()["error"]["type"] == "invalid_request_error"


def test_the_bearer_scheme_is_matched_in_any_case(gateway):
    for scheme in ("bearer", "BEARER", "Bearer "):
        r = chat(gateway.url, headers={"authorization": f"{scheme} {KEY}"})
        assert r.status_code == 200, scheme


def gateway_before(upstream, tmp_path, processes, extra=""):
    processes.append(upstream)
    g = start_gateway(tmp_path, config(channel("sized", upstream.url), extra=extra))
    processes.append(g)
    return g


def test_a_sized_answer_in_pieces_is_relayed_whole_over_one_pooled_connection(tmp_path,
                                                                               processes):
    upstream = SizedUpstream()
    g = gateway_before(upstream, tmp_path, processes, extra="threads: 1\n")
    for _ in range(3):
        r = chat(g.url)
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"] == "Hello in pieces."
        assert r.json()["usage"]["total_tokens"] == 11
    assert upstream.connections == 1


def test_an_answer_that_says_connection_close_is_not_pooled(tmp_path, processes):
    upstream = SizedUpstream(mode="close")
    g = gateway_before(upstream, tmp_path, processes, extra="threads: 1\n")
    for _ in range(2):
        assert chat(g.url).status_code == 200
    assert upstream.connections == 2


def test_a_sized_answer_cut_short_is_a_502_not_a_short_200(tmp_path, processes):
    g = gateway_before(SizedUpstream(mode="cut"), tmp_path, processes)
    r = chat(g.url)
    assert r.status_code == 502, r.text
    assert r.json()["error"]["type"]


def test_a_sized_answer_that_stalls_mid_body_ends_at_the_idle_timeout(tmp_path, processes):
    g = gateway_before(SizedUpstream(mode="stall"), tmp_path, processes,
                       extra="timeouts: {idle: 300ms}\n")
    r = chat(g.url)
    assert r.status_code == 504, r.text
    assert "idle_timeout" in r.json()["error"]["message"]


def expecting_continue(version="HTTP/1.1", chunked=False):
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(BODY)}"
    return (f"POST /v1/chat/completions {version}\r\nHost: gw\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json\r\nExpect: 100-continue\r\n{framing}\r\n"
            "Connection: close\r\n\r\n").encode()


@pytest.mark.parametrize("chunked", [False, True])
def test_a_client_expecting_100_continue_is_told_to_send_its_body(gateway, chunked):
    continue_line = b"HTTP/1.1 100 Continue\r\n\r\n"
    with connect(gateway.url) as s:
        s.sendall(expecting_continue(chunked=chunked))
        interim = b""
        while len(interim) < len(continue_line):  # curl would wait a second for this
            interim += s.recv(len(continue_line) - len(interim))
        assert interim == continue_line
        s.sendall(f"{len(BODY):x}\r\n".encode() + BODY + b"\r\n0\r\n\r\n" if chunked else BODY)
        [(status, _, body)] = answers_in(read_until_closed(s))
    assert status == "HTTP/1.1 200 OK", body


def test_no_100_continue_when_the_body_came_with_the_head_or_the_client_speaks_http_1_0(gateway):
    with connect(gateway.url) as s:
        s.sendall(expecting_continue() + BODY)
        assert read_until_closed(s).startswith(b"HTTP/1.1 200 OK")
    with connect(gateway.url) as s:
        s.sendall(expecting_continue("HTTP/1.0"))
        # No signal marks a 100 that was rightly never sent: the body waits long enough for a
        # wrong one to have gone out first.
        time.sleep(0.3)
        s.sendall(BODY)
        assert read_until_closed(s).startswith(b"HTTP/1.1 200 OK")
