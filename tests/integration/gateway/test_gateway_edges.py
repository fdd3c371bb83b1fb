"""The gateway's edges: request ids sent upstream, body limits, malformed HTTP, the access log,
embeddings, `sluice check`, the embedded default, SIGHUP with connections open, pinned event
loops, and an answer its client did not wait for."""
import http.client
import json
import os
import re
import signal
import socket
import struct
import subprocess

import httpx
import pytest

from gwhttp import (KEY, MESSAGES, PageUpstream, Relay, ScriptedUpstream, channel, chat, config,
                    metrics, sse_events)
from sluice_testing import (ROOT, SLUICE_BIN, Process, free_port, start_gateway, start_sim,
                            wait_until)


@pytest.fixture
def sim(tmp_path, processes):
    s = start_sim(tmp_path)
    processes.append(s)
    return s


def port_of(url):
    return int(url.rsplit(":", 1)[1])


def test_request_id_is_generated_when_absent_and_sent_upstream(tmp_path, processes, sim):
    relay = Relay(port_of(sim.url))
    processes.append(relay)
    g = start_gateway(tmp_path, config(channel("watched", relay.url)))
    processes.append(g)
    first, second = chat(g.url), chat(g.url)
    assert first.status_code == 200 and second.status_code == 200
    generated = first.headers["x-request-id"]
    assert re.fullmatch(r"req_[0-9a-f]{24}", generated)
    assert second.headers["x-request-id"] != generated
    given = chat(g.url, headers={"x-request-id": "client-rid-5"})
    assert given.headers["x-request-id"] == "client-rid-5"
    sent = bytes(relay.sent).decode(errors="replace").lower()
    assert f"x-request-id: {generated}" in sent
    assert f"x-request-id: {second.headers['x-request-id']}" in sent
    assert "x-request-id: client-rid-5" in sent
    assert KEY.lower() not in sent  # the client's key stays at the gateway


def raw_exchange(url, data):
    """Sends raw bytes and returns everything the gateway answers until it closes."""
    with socket.create_connection(("127.0.0.1", port_of(url)), timeout=10) as s:
        s.sendall(data)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer


def test_configured_body_limit_answers_413_for_sized_and_chunked_bodies(tmp_path, processes, sim):
    g = start_gateway(tmp_path, config(channel("sim0", sim.url), extra="body_limit: 2KiB\n"))
    processes.append(g)
    headers = {"authorization": f"Bearer {KEY}", "content-type": "application/json"}
    big = b'{"model":"qwen3-max","messages":[],"pad":"' + b"a" * 3000 + b'"}'
    sized = httpx.post(g.url + "/v1/chat/completions", headers=headers, content=big)
    assert sized.status_code == 413
    assert sized.json()["error"]["type"] == "invalid_request_error"
    assert "2048 bytes" in sized.json()["error"]["message"]

    def pieces():
        for i in range(0, len(big), 500):
            yield big[i:i + 500]

    chunked = httpx.post(g.url + "/v1/chat/completions", headers=headers, content=pieces())
    assert chunked.request.headers.get("transfer-encoding") == "chunked"
    assert chunked.status_code == 413
    assert chunked.json()["error"]["code"] == "request_too_large"
    small = json.dumps({"model": "qwen3-max", "messages": MESSAGES}).encode()
    fits = httpx.post(g.url + "/v1/chat/completions", headers=headers,
                      content=(small[i:i + 50] for i in range(0, len(small), 50)))
    assert fits.status_code == 200  # a chunked body within the limit is served


def test_malformed_http_answers_400_and_the_server_keeps_serving(tmp_path, processes, sim):
    g = start_gateway(tmp_path, config(channel("sim0", sim.url)))
    processes.append(g)
    answer = raw_exchange(g.url, b"THIS IS NOT HTTP\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert body["error"]["type"] == "invalid_request_error"
    bad_length = raw_exchange(g.url, b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                                     b"Content-Length: nope\r\n\r\n")
    assert bad_length.startswith(b"HTTP/1.1 400")
    assert chat(g.url).status_code == 200


def test_access_log_has_one_json_line_per_request_without_keys_or_prompts(tmp_path, processes,
                                                                          sim):
    g = start_gateway(tmp_path, config(channel("logged", sim.url, key="sim-1"),
                                       key_name="log-reader"))
    processes.append(g)
    prompt = "the secret prompt words xyzzy"
    r = chat(g.url, {"model": "qwen3-max", "messages": [{"role": "user", "content": prompt}]},
             headers={"x-request-id": "log-rid-1"})
    assert r.status_code == 200
    refused = chat(g.url, key="sk-not-a-key", headers={"x-request-id": "log-rid-2"})
    assert refused.status_code == 401

    def lines():
        out = []
        for line in g.output().splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    wait_until(lambda: {"log-rid-1", "log-rid-2"} <= {l["request_id"] for l in lines()})
    line = next(l for l in lines() if l["request_id"] == "log-rid-1")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", line["time"])
    assert line["key"] == "log-reader"
    assert line["model"] == "qwen3-max"
    assert line["channel"] == "logged"
    assert line["status"] == 200
    assert line["latency_ms"] > 0
    usage = r.json()["usage"]
    assert line["prompt_tokens"] == usage["prompt_tokens"]
    assert line["completion_tokens"] == usage["completion_tokens"]
    denied = next(l for l in lines() if l["request_id"] == "log-rid-2")
    assert denied["status"] == 401 and denied["key"] == ""
    g.stop()
    out = g.output()
    for secret in (KEY, "sk-not-a-key", "sim-1", "xyzzy"):
        assert secret not in out


def test_embeddings_are_relayed(tmp_path, processes, sim):
    g = start_gateway(tmp_path, config(channel("sim0", sim.url)))
    processes.append(g)
    r = httpx.post(g.url + "/v1/embeddings", headers={"authorization": f"Bearer {KEY}"},
                   json={"model": "qwen3-max", "input": ["first text", "second text"]}, timeout=20)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "list"
    assert [d["index"] for d in body["data"]] == [0, 1]
    assert len(body["data"][0]["embedding"]) == 16
    assert body["data"][0]["embedding"] != body["data"][1]["embedding"]
    assert body["usage"]["prompt_tokens"] > 0
    assert ('sluice_requests_total{route="/v1/embeddings",status="200",model="qwen3-max"} 1'
            in metrics(g.url))


@pytest.mark.parametrize("extra,field", [
    ("    weight: 0\n", "channels[0].weight: must be an integer from 1 to 1000000"),
    ("    ca_file: /nonexistent/ca.pem\n", "channels[0].ca_file: no such file"),
    ("    modles: [x]\n", "channels[0].modles: unknown field"),
    ("timeouts: {frist_byte: 1s}\n", "timeouts.frist_byte: unknown field"),
    ("body_limit: lots\n", "body_limit: must be a positive size"),
    ("fallbacks: {qwen3-max: [gpt-x]}\n", "fallbacks.qwen3-max[0]: model gpt-x is not served"),
])
def test_check_names_the_bad_field(tmp_path, extra, field):
    text = config(channel("a", "http://127.0.0.1:1"))
    if extra.startswith("    "):
        text = text.replace("    models: [qwen3-max]\n", "    models: [qwen3-max]\n" + extra)
    else:
        text += extra
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = subprocess.run([SLUICE_BIN, "check", "--config", str(path)], capture_output=True,
                            text=True, timeout=20)
    assert result.returncode == 2
    assert result.stderr.startswith(f"sluice: invalid configuration {path}: ")
    assert field in result.stderr


def test_check_accepts_a_good_configuration(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(config(channel("a", "http://127.0.0.1:1"), channel("b", "http://127.0.0.1:2")))
    result = subprocess.run([SLUICE_BIN, "check", "--config", str(path)], capture_output=True,
                            text=True, timeout=20)
    assert (result.returncode, result.stdout) == (0, "configuration ok: 2 channel(s)\n")


def test_the_readmes_configuration_reference_passes_check(tmp_path):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration reference", 1)[1]
    reference = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "reference.yaml"
    path.write_text(reference)
    env = {**os.environ, "SLUICE_ADMIN_TOKEN": "admin", "DASHSCOPE_KEY_A": "sk-a"}
    result = subprocess.run([SLUICE_BIN, "check", "--config", str(path)], capture_output=True,
                            text=True, timeout=20, env=env)
    assert result.returncode == 0, result.stderr


def start_embedded(tmp_path, processes, listen):
    """`sluice serve` with no configuration, from a fresh directory, once it printed its demo
    key: its environment and output."""
    cwd = tmp_path / "fresh"
    cwd.mkdir()
    env = {"SLUICE_LISTEN": listen, "DASHSCOPE_API_KEY": "", "OPENAI_API_KEY": ""}
    proc = Process([SLUICE_BIN, "serve"], tmp_path / "embedded.log", env, cwd=cwd)
    processes.append(proc)
    wait_until(lambda: "demo client key: " in proc.output() or proc.proc.poll() is not None)
    return env, cwd, proc.output()


def test_embedded_default_says_where_it_listens_and_its_demo_key_works(tmp_path, processes):
    port = free_port()
    _, _, out = start_embedded(tmp_path, processes, f"127.0.0.1:{port}")
    first_lines = out.splitlines()[:3]
    assert f"sluice listening on http://127.0.0.1:{port}/v1" in first_lines
    key = re.search(r"demo client key: (sk-sluice-demo-[0-9a-f]{32})", out).group(1)
    assert f"curl http://127.0.0.1:{port}/v1/chat/completions -H 'Authorization: Bearer {key}'" \
        in out
    assert f'OpenAI(base_url="http://127.0.0.1:{port}/v1", api_key="{key}")' in out
    base = f"http://127.0.0.1:{port}"
    r = chat(base, {"model": "qwen3-max", "messages": [{"role": "user", "content": "Hello"}]},
             key=key)
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"]
    models = httpx.get(base + "/v1/models", headers={"authorization": f"Bearer {key}"}).json()
    assert sorted(m["id"] for m in models["data"]) == ["qwen-plus", "qwen-turbo", "qwen3-max"]
    assert chat(base, key="sk-guess").status_code == 401


def test_embedded_default_prints_a_usable_url_for_ipv6_and_names_a_bad_sluice_listen(tmp_path,
                                                                                    processes):
    port = free_port()
    env, cwd, out = start_embedded(tmp_path, processes, f"[::1]:{port}")
    assert f"sluice listening on http://[::1]:{port}/v1" in out
    key = re.search(r"demo client key: (sk-sluice-demo-[0-9a-f]{32})", out).group(1)
    assert chat(f"http://[::1]:{port}", key=key).status_code == 200
    for bad in ("garbage", "127.0.0.1:99999", "localhost:8080"):
        result = subprocess.run([SLUICE_BIN, "serve"], capture_output=True, text=True, timeout=20,
                                env={**env, "SLUICE_LISTEN": bad}, cwd=cwd)
        assert result.returncode == 2
        assert result.stderr.startswith(f"sluice: SLUICE_LISTEN={bad}: must be"), result.stderr


def test_keep_alive_connection_survives_a_sighup_reload(tmp_path, processes, sim):
    g = start_gateway(tmp_path, config(channel("sim0", sim.url)))
    processes.append(g)
    conn = http.client.HTTPConnection("127.0.0.1", port_of(g.url), timeout=20)
    body = json.dumps({"model": "qwen3-max", "messages": MESSAGES})

    def post(key):
        conn.request("POST", "/v1/chat/completions", body=body,
                     headers={"authorization": f"Bearer {key}",
                              "content-type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()

    assert post(KEY)[0] == 200
    sock = conn.sock
    local = sock.getsockname()
    listen = g.config_path.read_text().splitlines()[0]
    g.config_path.write_text(listen + "\n" + config(channel("sim0", sim.url), key="sk-after-reload"))
    g.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "configuration reloaded" in g.output())
    status, _ = post("sk-after-reload")  # the new snapshot, on the old connection
    assert status == 200
    assert conn.sock is sock and sock.getsockname() == local
    status, _ = post(KEY)  # the old key is gone with the old configuration
    assert status == 401
    assert conn.sock is sock
    conn.close()


def test_stream_in_flight_finishes_across_a_sighup_reload(tmp_path, processes):
    paced = start_sim(tmp_path, "--tps", "20", "--answer-tokens", "20")
    processes.append(paced)
    g = start_gateway(tmp_path, config(channel("paced", paced.url)))
    processes.append(g)
    with httpx.Client(timeout=20) as client:
        with client.stream("POST", g.url + "/v1/chat/completions",
                           headers={"authorization": f"Bearer {KEY}"},
                           json={"model": "qwen3-max", "messages": MESSAGES,
                                 "stream": True}) as r:
            assert r.status_code == 200
            text = ""
            parts = r.iter_text()
            text += next(parts)
            g.proc.send_signal(signal.SIGHUP)
            wait_until(lambda: "configuration reloaded" in g.output())
            for part in parts:
                text += part
    events = sse_events(text)
    assert events[-1] == "[DONE]"
    content = "".join(json.loads(e)["choices"][0]["delta"].get("content") or ""
                      for e in events[:-1] if json.loads(e)["choices"])
    assert len(content) > 0
    assert len([e for e in events[:-1] if json.loads(e)["choices"]]) >= 20


def test_a_second_server_on_a_port_in_use_exits_instead_of_sharing_it(tmp_path, processes, sim):
    g = start_gateway(tmp_path, config(channel("sim0", sim.url)))
    processes.append(g)
    port = port_of(g.url)
    second = subprocess.run([SLUICE_BIN, "serve", "--config", str(g.config_path)],
                            capture_output=True, text=True, timeout=20)
    assert second.returncode == 1
    assert f"sluice: cannot listen on 127.0.0.1:{port}: Address already in use" in second.stderr
    sim_again = subprocess.run([SLUICE_BIN, "sim", "--listen", f"127.0.0.1:{port_of(sim.url)}"],
                               capture_output=True, text=True, timeout=20)
    assert sim_again.returncode == 1 and "Address already in use" in sim_again.stderr
    assert all(chat(g.url).status_code == 200 for _ in range(4))  # nobody took a share


def single_cpu_threads(pid):
    """The CPU of each thread of `pid` that may run on one CPU only, sorted."""
    cpus = []
    for task in os.listdir(f"/proc/{pid}/task"):
        allowed = os.sched_getaffinity(int(task))
        if len(allowed) == 1:
            cpus.extend(allowed)
    return sorted(cpus)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="pinning needs two usable CPUs")
@pytest.mark.parametrize("pin", [False, True])
def test_pin_threads_gives_each_event_loop_a_cpu_of_its_own(tmp_path, processes, sim, pin):
    extra = f"threads: 2\npin_threads: {'true' if pin else 'false'}\n"
    g = start_gateway(tmp_path, config(channel("sim0", sim.url), extra=extra))
    processes.append(g)
    # Connections are dealt to the loops in turn: two requests on two connections reach both.
    assert chat(g.url).status_code == 200 and chat(g.url).status_code == 200
    usable = sorted(os.sched_getaffinity(0))
    # Threads a loop starts (Asio's resolver thread) inherit its CPU: the set is what counts.
    assert sorted(set(single_cpu_threads(g.proc.pid))) == (usable[:2] if pin else [])


def test_plain_answer_to_a_client_that_reset_is_logged_499(tmp_path, processes):
    slow = start_sim(tmp_path, latency_ms=300)
    processes.append(slow)
    g = start_gateway(tmp_path, config(channel("sim0", slow.url)))
    processes.append(g)
    body = json.dumps({"model": "qwen3-max", "messages": MESSAGES}).encode()
    with socket.create_connection(("127.0.0.1", port_of(g.url))) as s:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                  KEY.encode() + b"\r\nContent-Type: application/json\r\nx-request-id: gone-1\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        # Close with a reset while the upstream is still answering: the answer cannot be sent.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def logged():
        lines = [json.loads(l) for l in g.output().splitlines() if l.startswith("{")]
        return next((l for l in lines if l["request_id"] == "gone-1"), None)

    wait_until(lambda: logged() is not None)
    assert logged()["status"] == 499
    assert chat(g.url).status_code == 200  # and the gateway keeps serving


def test_sighup_names_the_settings_that_wait_for_a_restart(tmp_path, processes, sim):
    g = start_gateway(tmp_path, config(channel("sim0", sim.url)))
    processes.append(g)
    started = g.config_path.read_text()
    assert KEY in started and "threads:" not in started and "body_limit:" not in started
    g.config_path.write_text(started.replace(KEY, "sk-after-reload") +
                             "threads: 3\nbody_limit: 1KiB\n")
    g.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "take effect on restart" in g.output())
    assert "SIGHUP: threads, body_limit changed and take effect on restart" in g.output()
    # The rest of the new configuration is live; the body limit is still the one it started with.
    big = {"model": "qwen3-max", "messages": [{"role": "user", "content": "x" * 4096}]}
    assert chat(g.url, big, key="sk-after-reload").status_code == 200


def test_an_upstream_page_that_is_no_error_body_still_reaches_the_client_in_openai_shape(
        tmp_path, processes):
    upstream = PageUpstream()
    processes.append(upstream)
    g = start_gateway(tmp_path, config(channel("pages", upstream.url)))
    processes.append(g)
    r = chat(g.url)
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "`pages` answered 404 to /chat/completions" in error["message"]
    assert r.headers["x-request-id"]


def test_usage_on_a_chunk_with_choices_reaches_only_a_client_that_asked_for_it(tmp_path,
                                                                              processes):
    upstream = ScriptedUpstream(first_event_delay=0, usage_on_last=True)
    processes.append(upstream)
    g = start_gateway(tmp_path, config(channel("last", upstream.url)))
    processes.append(g)
    stream = {"model": "qwen3-max", "messages": MESSAGES, "stream": True}
    for asked in (False, True):
        body = {**stream, "stream_options": {"include_usage": True}} if asked else stream
        r = chat(g.url, body, headers={"x-request-id": f"usage-asked-{asked}"})
        chunks = [json.loads(e) for e in sse_events(r.text) if e != "[DONE]"]
        assert "".join(c["choices"][0]["delta"]["content"] for c in chunks) == "Hello"
        usages = [c["usage"] for c in chunks if c.get("usage")]
        assert usages == ([{"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}]
                          if asked else [])
        assert chunks[-1]["choices"][0]["finish_reason"] == "stop"

    # Either way the gateway counted the upstream's usage (the access log's tokens).
    def logged():
        lines = [json.loads(line) for line in g.output().splitlines() if '"usage-asked-' in line]
        return len(lines) == 2 and all(line["completion_tokens"] == 2 for line in lines)

    wait_until(logged, timeout=10)
