"""The gateway relaying to `sluice sim`: answers, streams, errors, failover, reload and drain."""
import json
import signal
import sqlite3
import threading

import httpx
import pytest

from sluice_testing import free_port, start_gateway, start_sim, wait_until

KEY = "sk-test-relay"


def gateway_config(*channels, extra=""):
    lines = ["channels:"]
    for name, url, key in channels:
        lines += [f"  - name: {name}", f"    base_url: {url}/v1", f"    api_key: {key}",
                  "    models: [qwen3-max]"]
    lines += ["keys:", f"  - key: {KEY}", "    name: relay-test"]
    return "\n".join(lines) + "\n" + extra


def chat(url, body, key=KEY, **kw):
    headers = {"authorization": f"Bearer {key}", **kw.pop("headers", {})}
    return httpx.post(url + "/v1/chat/completions", json=body, headers=headers, timeout=20, **kw)


MESSAGES = [{"role": "user", "content": "Say hello to the pool."}]


@pytest.fixture
def sim(tmp_path, processes):
    s = start_sim(tmp_path)
    processes.append(s)
    return s


@pytest.fixture
def gateway(tmp_path, processes, sim):
    g = start_gateway(tmp_path, gateway_config(("sim0", sim.url, "sim-0")))
    processes.append(g)
    return g


def sse_events(text):
    return [block[len("data: "):] for block in text.split("\n\n") if block.startswith("data: ")]


def test_plain_completion_carries_usage_and_request_id(gateway):
    r = chat(gateway.url, {"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 8},
             headers={"x-request-id": "client-chosen-42"})
    assert r.status_code == 200
    assert r.headers["x-request-id"] == "client-chosen-42"
    body = r.json()
    assert body["object"] == "chat.completion"
    assert body["usage"]["completion_tokens"] > 0
    assert body["usage"]["completion_tokens"] <= 8


def test_stream_without_usage_request_hides_the_added_usage_chunk(gateway):
    r = chat(gateway.url, {"model": "qwen3-max", "messages": MESSAGES, "stream": True})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks and all(c["choices"] for c in chunks)  # no usage-only chunk
    # Nor the "usage":null that the added include_usage puts on every other chunk: OpenAI sends no
    # usage member to a client that did not ask for it.
    assert all("usage" not in c for c in chunks), events


def test_stream_with_usage_request_keeps_the_usage_chunk(gateway):
    r = chat(gateway.url, {"model": "qwen3-max", "messages": MESSAGES, "stream": True,
                           "stream_options": {"include_usage": True}})
    events = sse_events(r.text)
    assert events[-1] == "[DONE]"
    last = json.loads(events[-2])
    assert last["choices"] == [] and last["usage"]["prompt_tokens"] > 0
    # The other chunks say "usage":null, as OpenAI's do when usage was asked for.
    assert all(json.loads(e)["usage"] is None for e in events[:-2])


@pytest.mark.parametrize("key,status,code", [(None, 401, "invalid_api_key"),
                                              ("sk-wrong", 401, "invalid_api_key")])
def test_bad_keys_get_openai_401(gateway, key, status, code):
    headers = {} if key is None else {"authorization": f"Bearer {key}"}
    r = httpx.post(gateway.url + "/v1/chat/completions", headers=headers,
                   json={"model": "qwen3-max", "messages": MESSAGES})
    assert r.status_code == status
    assert r.json()["error"]["code"] == code


def test_request_errors_are_openai_shaped_and_server_keeps_serving(gateway):
    h = {"authorization": f"Bearer {KEY}", "content-type": "application/json"}
    bad_json = httpx.post(gateway.url + "/v1/chat/completions", headers=h, content=b'{"model": ')
    assert bad_json.status_code == 400
    assert bad_json.json()["error"]["type"] == "invalid_request_error"
    no_model = httpx.post(gateway.url + "/v1/chat/completions", headers=h, json={"messages": MESSAGES})
    assert no_model.status_code == 400 and no_model.json()["error"]["param"] == "model"
    twice = httpx.post(gateway.url + "/v1/chat/completions", headers=h,
                       content=b'{"model":"qwen-max","messages":[],"model":"qwen3-max"}')
    assert twice.status_code == 400 and twice.json()["error"]["code"] == "duplicate_parameter"
    unknown = chat(gateway.url, {"model": "gpt-unknown", "messages": MESSAGES})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "model_not_found"
    huge = httpx.post(gateway.url + "/v1/chat/completions", headers=h,
                      content=b'{"model":"qwen3-max","x":"' + b"a" * (9 << 20) + b'"}')
    assert huge.status_code == 413
    big_headers = httpx.get(gateway.url + "/v1/models", headers={**h, "x-big": "b" * 20000})
    assert big_headers.status_code == 431
    assert "headers exceed" in big_headers.json()["error"]["message"]
    long_url = httpx.get(gateway.url + "/v1/models?q=" + "u" * 20000, headers=h)
    assert long_url.status_code == 414
    assert long_url.json()["error"]["type"] == "invalid_request_error"
    assert "request line (method and URL)" in long_url.json()["error"]["message"]
    assert httpx.get(gateway.url + "/v1/nothing").status_code == 404
    assert httpx.get(gateway.url + "/v1/chat/completions", headers=h).status_code == 405
    assert chat(gateway.url, {"model": "qwen3-max", "messages": MESSAGES}).status_code == 200


def test_models_list_in_openai_shape(gateway):
    r = httpx.get(gateway.url + "/v1/models", headers={"authorization": f"Bearer {KEY}"})
    assert r.json() == {"object": "list", "data": [
        {"id": "qwen3-max", "object": "model", "created": 0, "owned_by": "sluice"}]}


def test_a_model_is_retrieved_by_its_percent_encoded_id(tmp_path, processes, sim):
    config = gateway_config(("sim0", sim.url, "sim-0")).replace(
        "models: [qwen3-max]", "models: [qwen3-max, Qwen/Qwen3-8B]")
    config += f"  - key: {KEY}-narrow\n    name: narrow\n    models: [qwen3-max]\n"
    g = start_gateway(tmp_path, config)
    processes.append(g)

    def get(path, key=KEY):
        return httpx.get(g.url + path, headers={"authorization": f"Bearer {key}"})

    assert get("/v1/models/qwen3-max").json() == {
        "id": "qwen3-max", "object": "model", "created": 0, "owned_by": "sluice"}
    assert get("/v1/models/Qwen%2FQwen3-8B").json()["id"] == "Qwen/Qwen3-8B"
    for path, key in [("/v1/models/gpt-unknown", KEY), ("/v1/models/Qwen%2FQwen3-8B", KEY + "-narrow")]:
        missing = get(path, key)
        assert missing.status_code == 404, path
        assert missing.json()["error"]["code"] == "model_not_found"
    assert get("/v1/models/qwen3-max", "sk-wrong").status_code == 401


def test_connection_failure_fails_over_to_the_next_channel(tmp_path, processes, sim):
    dead = f"http://127.0.0.1:{free_port()}"
    g = start_gateway(tmp_path, gateway_config(("dead", dead, "x"), ("live", sim.url, "sim-0")))
    processes.append(g)
    for _ in range(4):  # rotation starts at either channel; each request must succeed
        assert chat(g.url, {"model": "qwen3-max", "messages": MESSAGES}).status_code == 200
    assert "upstream-secret" not in g.output()


def test_all_channels_down_is_a_502(tmp_path, processes):
    dead = f"http://127.0.0.1:{free_port()}"
    g = start_gateway(tmp_path, gateway_config(("dead", dead, "x")))
    processes.append(g)
    r = chat(g.url, {"model": "qwen3-max", "messages": MESSAGES})
    assert r.status_code == 502
    assert r.json()["error"]["type"] == "server_error"


def test_metrics_count_requests(gateway):
    chat(gateway.url, {"model": "qwen3-max", "messages": MESSAGES})
    text = httpx.get(gateway.url + "/metrics").text
    assert 'sluice_requests_total{route="/v1/chat/completions",status="200",model="qwen3-max"} 1' in text
    assert "sluice_upstream_latency_seconds_bucket" in text
    assert "sluice_requests_in_flight" in text


def test_upstream_key_never_reaches_logs_or_answers(tmp_path, processes, sim):
    g = start_gateway(tmp_path, gateway_config(("sim0", sim.url, "sim-0"),
                                               ("dead", f"http://127.0.0.1:{free_port()}", "upstream-secret-77")))
    processes.append(g)
    answers = [chat(g.url, {"model": "qwen3-max", "messages": MESSAGES}).text for _ in range(4)]
    answers.append(httpx.get(g.url + "/metrics").text)
    g.stop()
    assert all("upstream-secret-77" not in a for a in answers)
    assert "upstream-secret-77" not in g.output()


def test_sighup_reloads_and_refuses_a_bad_configuration(tmp_path, processes, sim):
    g = start_gateway(tmp_path, gateway_config(("sim0", sim.url, "sim-0")))
    processes.append(g)
    listen = g.config_path.read_text().splitlines()[0]
    new_key = "sk-added-by-reload"
    g.config_path.write_text(listen + "\n" + gateway_config(("sim0", sim.url, "sim-0")) +
                             f"  - key: {new_key}\n    name: reloaded\n")
    g.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: chat(g.url, {"model": "qwen3-max", "messages": MESSAGES}, key=new_key).status_code == 200)
    g.config_path.write_text(listen + "\nchannels: [oops\n")
    g.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "old one kept" in g.output())
    assert chat(g.url, {"model": "qwen3-max", "messages": MESSAGES}, key=new_key).status_code == 200


def test_sigterm_lets_a_request_in_flight_finish(tmp_path, processes):
    slow = start_sim(tmp_path, "--latency-ms", "800")
    processes.append(slow)
    g = start_gateway(tmp_path, gateway_config(("slow", slow.url, "sim-0")))
    result = {}

    def call():
        result["r"] = chat(g.url, {"model": "qwen3-max", "messages": MESSAGES},
                           headers={"x-request-id": "drained-1"})

    t = threading.Thread(target=call)
    t.start()
    wait_until(lambda: 'sluice_requests_in_flight 1' in httpx.get(g.url + "/metrics").text)
    g.proc.send_signal(signal.SIGTERM)
    t.join(20)
    assert result["r"].status_code == 200
    assert g.proc.wait(20) == 0
    g.log.close()
    assert '"request_id":"drained-1"' in g.output()  # its access-log line was written too



def test_a_stream_the_drain_timed_out_on_is_still_logged_and_billed(tmp_path, processes):
    # A 10 s stream (100 tokens at 10/s) against a 500 ms drain: SIGTERM cuts it.
    slow = start_sim(tmp_path, "--tps", "10", "--answer-tokens", "100")
    processes.append(slow)
    db = tmp_path / "cut.db"
    g = start_gateway(tmp_path, gateway_config(("slow", slow.url, "sim-0"),
                                               extra="drain_timeout: 500ms\n")
                      .replace("keys:", f"storage: sqlite:{db}\nkeys:", 1))
    body = {"model": "qwen3-max", "messages": MESSAGES, "stream": True}
    streaming = threading.Event()

    def call():
        try:
            with httpx.stream("POST", g.url + "/v1/chat/completions", json=body, timeout=20,
                              headers={"authorization": f"Bearer {KEY}",
                                       "x-request-id": "cut-1"}) as r:
                for _ in r.iter_bytes():
                    streaming.set()
        except httpx.HTTPError:
            pass  # the stream is cut: what the client sees is not under test here

    t = threading.Thread(target=call)
    t.start()
    # Cut once the answer is streaming (an upstream slow to its first byte, as under ASan, would
    # otherwise be cut before it sent anything to bill).
    assert streaming.wait(20)
    g.proc.send_signal(signal.SIGTERM)
    assert g.proc.wait(20) == 0
    t.join(20)
    g.log.close()
    [line] = [json.loads(l) for l in g.output().splitlines() if '"request_id":"cut-1"' in l]
    assert line["status"] == 503
    with sqlite3.connect(db) as conn:
        [(status, completion)] = conn.execute(
            "SELECT status, completion_tokens FROM usage_rows WHERE request_id = 'cut-1'").fetchall()
    assert status == 503 and completion > 0  # what the upstream sent before the cut is billed


def test_requests_still_queued_when_the_drain_times_out_are_cut_cleanly(tmp_path, processes, sim):
    # One request every 10 s (rpm 6 is paced at one per 10 s) and a 300 ms drain: SIGTERM finds
    # three requests waiting in the pool's queue, on both event loops, and the drain cuts them.
    # Their waits' timers belonged to the loops; the gateway must let them go with the loops
    # (under AddressSanitizer this test caught the pool freeing them after the loops).
    g = start_gateway(tmp_path, gateway_config(("sim0", sim.url, "sim-0"), extra="""threads: 2
drain_timeout: 300ms
max_wait_seconds: 60
""").replace("models: [qwen3-max]", "models: {qwen3-max: {rpm: 6}}"))
    processes.append(g)
    assert chat(g.url, {"model": "qwen3-max", "messages": MESSAGES}).status_code == 200
    answers = []

    def call(i):
        try:
            answers.append(chat(g.url, {"model": "qwen3-max", "messages": MESSAGES},
                                headers={"x-request-id": f"queued-{i}"}).status_code)
        except httpx.HTTPError:
            answers.append("cut")

    threads = [threading.Thread(target=call, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    wait_until(lambda: 'sluice_pool_queue_length{model="qwen3-max"} 3'
               in httpx.get(g.url + "/metrics").text)
    g.proc.send_signal(signal.SIGTERM)
    assert g.proc.wait(20) == 0
    for t in threads:
        t.join(20)
    assert len(answers) == 3 and 200 not in answers
    g.log.close()
    for i in range(3):
        assert f'"request_id":"queued-{i}"' in g.output()


def test_a_client_that_stops_reading_is_let_go_at_the_requests_total_time(tmp_path, processes):
    import socket
    # A long answer sent at once, to a client that never reads: the socket buffers fill and the
    # gateway's write waits. timeouts.total (2 s) bounds it; the idle timeout (120 s) would not.
    big = start_sim(tmp_path, "--answer-tokens", "60000")
    processes.append(big)
    g = start_gateway(tmp_path, gateway_config(("big", big.url, "sim-0"),
                                               extra="timeouts: {total: 2s}\n"))
    processes.append(g)
    port = int(g.url.rsplit(":", 1)[1])
    body = json.dumps({"model": "qwen3-max", "messages": MESSAGES, "stream": True}).encode()

    def in_flight():
        return "sluice_requests_in_flight 0" not in httpx.get(g.url + "/metrics").text

    # The total time counts from the request's arrival, and the first request a gateway serves
    # also loads the model's tokenizer (half a second of CPU under AddressSanitizer) before the
    # simulator builds its 60000 tokens: on a loaded machine that can take longer than 2 s. The
    # gateway then rightly answers 504 before the stream started, and the client, never sent a
    # byte it could stop reading, can read that answer. The scenario is then played again until
    # the stream had started, up to three times (a third timeout in a row opens the channel's
    # breaker).
    for attempt in range(1, 4):
        request_id = f"stalled-{attempt}"
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(("127.0.0.1", port))
        stalled.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + KEY.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: "
                        + str(len(body)).encode() + b"\r\nx-request-id: " + request_id.encode()
                        + b"\r\n\r\n" + body)
        wait_until(in_flight)
        wait_until(lambda: not in_flight(), timeout=15)
        wait_until(lambda: f'"request_id":"{request_id}"' in g.output())
        stalled.settimeout(5)
        try:
            head = stalled.recv(12, socket.MSG_PEEK)
        except OSError:  # reset: whatever the gateway had sent is gone
            head = b""
        stalled.close()
        if not head.startswith(b"HTTP/1.1 504"):
            break
    line = json.loads(next(l for l in g.output().splitlines()
                           if f'"request_id":"{request_id}"' in l))
    assert line["status"] == 499 and line["latency_ms"] < 10000, (attempt, line)
    # And the gateway keeps serving (a short answer, which the total time does not cut).
    assert chat(g.url, {"model": "qwen3-max", "messages": MESSAGES,
                        "max_tokens": 16}).status_code == 200


def test_half_sent_request_gets_408_and_server_keeps_serving(tmp_path, processes, sim):
    import socket
    g = start_gateway(tmp_path, gateway_config(("sim0", sim.url, "sim-0"), extra="request_timeout: 300ms\n"))
    processes.append(g)
    port = int(g.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"mo")
        s.settimeout(10)
        answer = b""
        while chunk := s.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408")
    assert b'"type":"invalid_request_error"' in answer
    assert chat(g.url, {"model": "qwen3-max", "messages": MESSAGES}).status_code == 200
