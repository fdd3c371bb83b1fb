"""One usage row per request, priced from the price table, written in batches and flushed on
SIGTERM; streams priced exactly like plain answers; a client leaving mid-stream is billed 499."""
import json
import signal
import socket
import subprocess
import time

import httpx
import pytest

from conftest import MESSAGES, SLUICE, list_cost_nano, scale


def sse_usage(text):
    for block in text.split("\n\n"):
        if block.startswith("data: ") and block != "data: [DONE]":
            chunk = json.loads(block[len("data: "):])
            if chunk.get("usage"):
                return chunk["usage"]
    return None


def test_plain_and_streamed_rows_carry_exact_costs(make_stack):
    stack = make_stack(cost_multiplier=1.5)
    key = stack.create_key("priced", "--price-multiplier", "0.88")
    plain = stack.chat(key, headers={"x-request-id": "plain-1"})
    assert plain.status_code == 200
    streamed = stack.chat(key, {"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 16,
                                "stream": True, "stream_options": {"include_usage": True}},
                          headers={"x-request-id": "stream-1"})
    assert streamed.status_code == 200
    stack.stop()
    rows = {r["request_id"]: r for r in stack.rows()}
    assert set(rows) == {"plain-1", "stream-1"}
    for request_id, usage in (("plain-1", plain.json()["usage"]),
                              ("stream-1", sse_usage(streamed.text))):
        row = rows[request_id]
        assert (row["prompt_tokens"], row["completion_tokens"]) == (usage["prompt_tokens"],
                                                                    usage["completion_tokens"])
        listed = list_cost_nano(row["prompt_tokens"], row["completion_tokens"],
                                row["cached_tokens"])
        assert listed > 0
        assert row["list_nano_usd"] == listed
        assert row["upstream_nano_usd"] == scale(listed, 1.5)
        assert row["charged_nano_usd"] == scale(listed, 0.88)
        assert (row["key_name"], row["requested_model"], row["served_model"], row["channel"],
                row["status"], row["fallback"]) == ("priced", "qwen3-max", "qwen3-max", "sim0",
                                                    200, 0)
        assert row["latency_ms"] >= 0 and row["queue_wait_ms"] >= 0
        assert row["time_ms"] > 1_700_000_000_000
    spent = stack.keys()["priced"]["spent_usd"]
    assert abs(spent - sum(r["charged_nano_usd"] for r in rows.values()) / 1e9) < 1e-9


def test_sigterm_flushes_every_acknowledged_row(make_stack):
    # A flush interval far beyond the test: only the SIGTERM flush can write these rows.
    stack = make_stack(extra="ledger:\n  flush_interval: 1h\n")
    key = stack.create_key("flushed")
    ids = [f"flush-{i}" for i in range(12)]
    for request_id in ids:
        assert stack.chat(key, headers={"x-request-id": request_id}).status_code == 200
    assert stack.rows() == []  # batched: nothing written yet
    stack.stop()
    assert sorted(r["request_id"] for r in stack.rows()) == sorted(ids)


def test_every_request_sync_writes_without_waiting_for_a_flush(make_stack):
    # The interval would hold the row for an hour; every_request writes it as the request ends.
    stack = make_stack(extra="ledger:\n  flush_interval: 1h\n  sync: every_request\n")
    key = stack.create_key("synced")
    assert stack.chat(key, headers={"x-request-id": "sync-1"}).status_code == 200
    # Written before the answer left the gateway: present the moment the answer is here.
    assert [r["request_id"] for r in stack.rows()] == ["sync-1"]
    streamed = stack.chat(key, {"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 8,
                                "stream": True}, headers={"x-request-id": "sync-2"})
    assert streamed.text.endswith("data: [DONE]\n\n")
    assert [r["request_id"] for r in stack.rows()] == ["sync-1", "sync-2"]


def leave_after_first_chunk(stack, key, request_id, max_tokens):
    host, port = stack.url.removeprefix("http://").split(":")
    body = json.dumps({"model": "qwen3-max", "messages": MESSAGES, "max_tokens": max_tokens,
                       "stream": True}).encode()
    with socket.create_connection((host, int(port))) as s:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer " + key.encode() + b"\r\n"
                  b"Content-Type: application/json\r\nx-request-id: " + request_id.encode() +
                  b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        received = b""
        while b"data: " not in received:
            received += s.recv(4096)
        assert b" 200 " in received.split(b"\r\n")[0]


def test_client_leaving_mid_stream_is_billed_the_upstream_usage(make_stack):
    # 20 tokens at 20 per second: the usage chunk comes within the gateway's 2 s grace.
    stack = make_stack(sim_flags=("--tps", "20", "--answer-tokens", "20"))
    key = stack.create_key("leaver")
    leave_after_first_chunk(stack, key, "leaver-1", 20)
    stack.stop()
    [row] = stack.rows()
    assert (row["request_id"], row["status"]) == ("leaver-1", 499)
    assert row["completion_tokens"] == 20  # the sim's own count, from its usage chunk
    assert row["list_nano_usd"] == list_cost_nano(row["prompt_tokens"], row["completion_tokens"])
    assert row["charged_nano_usd"] == row["list_nano_usd"]


def test_client_leaving_a_long_stream_is_billed_what_was_streamed(make_stack):
    # 200 tokens at 20 per second take 10 s: the gateway stops reading after its 2 s grace and
    # counts the text it received with the model's tokenizer.
    stack = make_stack(sim_flags=("--tps", "20", "--answer-tokens", "200"))
    key = stack.create_key("leaver")
    leave_after_first_chunk(stack, key, "leaver-2", 200)
    stack.stop()
    [row] = stack.rows()
    assert (row["request_id"], row["status"]) == ("leaver-2", 499)
    assert 0 < row["completion_tokens"] < 200
    assert row["prompt_tokens"] > 0
    assert row["list_nano_usd"] == list_cost_nano(row["prompt_tokens"], row["completion_tokens"])


@pytest.mark.parametrize("sync,bound", [("batched", 0.1 + 0.4), ("every_request", 0.0)])
def test_kill_9_loses_at_most_the_last_flush_interval(make_stack, sync, bound):
    stack = make_stack(extra=f"ledger:\n  flush_interval: 100ms\n  sync: {sync}\n")
    key = stack.create_key("crashy")
    answered = []  # (request id, monotonic time its answer arrived)
    with httpx.Client(timeout=10) as client:
        start = time.monotonic()
        i = 0
        # Enough answers that many are older than the bound (the pool paces qwen3-max's
        # built-in 10 RPS), for a bounded time.
        while (len(answered) < 25 or time.monotonic() - start < 1.0) and \
                time.monotonic() - start < 10:
            r = client.post(stack.url + "/v1/chat/completions",
                            json={"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 4},
                            headers={"authorization": f"Bearer {key}",
                                     "x-request-id": f"crash-{i}"})
            assert r.status_code in (200, 429)  # the sim's per-second cap: a row either way
            answered.append((f"crash-{i}", time.monotonic()))
            i += 1
    stack.gateway.proc.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    stack.gateway.proc.wait()
    stored = {r["request_id"] for r in stack.rows()}
    # Batched: one flush interval, plus one batch write and the scheduling of a loaded machine.
    # Every request: the row is written before the answer leaves, so nothing answered is lost.
    old_enough = [rid for rid, at in answered if killed_at - at >= bound]
    assert len(old_enough) >= 15
    assert [rid for rid in old_enough if rid not in stored] == []
    assert stored <= {rid for rid, _ in answered}


def test_pricing_override_prices_the_rows(make_stack):
    stack = make_stack(extra="pricing:\n  models:\n    qwen3-max: {input: 2, output: 10.5}\n")
    key = stack.create_key("overridden")
    usage = stack.chat(key).json()["usage"]
    stack.stop()
    [row] = stack.rows()
    assert row["list_nano_usd"] == usage["prompt_tokens"] * 2000 + usage["completion_tokens"] * 10500


def test_stream_cut_without_usage_is_billed_for_the_streamed_text(make_stack):
    # The upstream resets after half the answer: no usage chunk ever comes, so the row counts the
    # prompt and the text that was streamed with the model's tokenizer.
    stack = make_stack(sim_flags=("--faults", "stream_cut=1", "--answer-tokens", "40"))
    key = stack.create_key("cut")
    r = stack.chat(key, {"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 40,
                         "stream": True}, headers={"x-request-id": "cut-1"})
    assert r.status_code == 200
    assert '"code":"bad_gateway"' in r.text.replace(" ", "")  # the stream ended with an error
    streamed = "".join(json.loads(block[6:])["choices"][0]["delta"].get("content", "")
                       for block in r.text.split("\n\n")
                       if block.startswith("data: {") and '"choices":[{' in block.replace(" ", ""))
    assert streamed
    stack.stop()
    [row] = stack.rows()
    assert (row["request_id"], row["status"]) == ("cut-1", 502)
    assert 0 < row["completion_tokens"] < 40
    # The count is the model's tokenizer (`sluice tokens`) over exactly the streamed text.
    counted = subprocess.run([SLUICE, "tokens", "--model", "qwen3-max"], input=streamed,
                             capture_output=True, text=True, timeout=30, check=True)
    assert row["completion_tokens"] == int(counted.stdout)
    assert row["list_nano_usd"] == list_cost_nano(row["prompt_tokens"], row["completion_tokens"])
