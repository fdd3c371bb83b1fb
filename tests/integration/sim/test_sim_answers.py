"""`sluice sim` answers as DashScope's compatible mode does: completions, streams, embeddings,
the model list, under /v1 and /compatible-mode/v1, deterministically for a seed."""
import json
import time

import httpx
import pytest

from simhttp import HELLO, HELLO_PROMPT_TOKENS, chat, model_stats, sse_events


@pytest.mark.parametrize("prefix", ["", "/compatible-mode"])
def test_models_lists_every_configured_model(sim, prefix):
    s = sim("--model", "qwen3-max", "--model", "qwen-plus:rpm=5", model=None)
    r = httpx.get(s.url + prefix + "/v1/models")
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["qwen3-max", "qwen-plus"]
    assert all(m["object"] == "model" for m in body["data"])


@pytest.mark.parametrize("prefix", ["", "/compatible-mode"])
def test_plain_completion_has_openai_shape_and_exact_usage(sim, prefix):
    s = sim("--answer-tokens", "12")
    r = chat(s.url, path=prefix + "/v1/chat/completions")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["object"] == "chat.completion"
    assert body["id"] == "chatcmpl-" + r.headers["x-request-id"]
    assert body["model"] == "qwen3-max"
    choice = body["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert choice["finish_reason"] == "stop"
    assert body["usage"]["prompt_tokens"] == HELLO_PROMPT_TOKENS
    assert body["usage"]["completion_tokens"] == 12
    assert body["usage"]["total_tokens"] == HELLO_PROMPT_TOKENS + 12
    m = model_stats(s.url)
    assert (m["accepted"], m["prompt_tokens"], m["completion_tokens"]) == (1, 10, 12)


def test_token_counts_follow_words_punctuation_and_cjk(sim):
    s = sim()
    r = chat(s.url, messages=[{"role": "user", "content": "你好，世界！ Hello, world."}])
    # 你 好 ， 世 界 ！ Hello , world . = 10, plus 5 + 3 for the template
    assert r.json()["usage"]["prompt_tokens"] == 18


def test_max_tokens_cuts_the_answer_with_finish_reason_length(sim):
    s = sim("--answer-tokens", "30")
    body = chat(s.url, max_tokens=5).json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 5
    body = chat(s.url, max_completion_tokens=7).json()
    assert body["usage"]["completion_tokens"] == 7


def test_stream_with_include_usage_has_null_usage_then_a_usage_chunk(sim):
    s = sim("--answer-tokens", "6")
    r = chat(s.url, stream=True, stream_options={"include_usage": True})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/event-stream"
    events = sse_events(r.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert all("usage" in c and c["usage"] is None for c in chunks[:-1])
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["prompt_tokens"] == HELLO_PROMPT_TOKENS
    assert chunks[-1]["usage"]["completion_tokens"] == 6
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-1])
    plain = chat(s.url).json()["choices"][0]["message"]["content"]
    assert text == plain  # same prompt, same answer


def test_stream_without_include_usage_has_no_usage_field(sim):
    s = sim("--answer-tokens", "4")
    events = sse_events(chat(s.url, stream=True).text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert len(chunks) == 1 + 4 + 1  # role, one token each, finish
    assert all("usage" not in c for c in chunks)


def test_same_seed_same_answer_other_seed_other_answer(sim):
    a = sim("--seed", "7", "--answer-tokens", "20")
    b = sim("--seed", "7", "--answer-tokens", "20")
    c = sim("--seed", "8", "--answer-tokens", "20")
    text = lambda s: chat(s.url).json()["choices"][0]["message"]["content"]
    assert text(a) == text(b)
    assert text(a) != text(c)


def test_answer_length_range_is_drawn_from_the_seed(sim):
    a = sim("--seed", "3", "--answer-tokens", "5-40")
    b = sim("--seed", "3", "--answer-tokens", "5-40")
    lengths = lambda s: [chat(s.url).json()["usage"]["completion_tokens"] for _ in range(8)]
    la = lengths(a)
    assert la == lengths(b)
    assert all(5 <= n <= 40 for n in la) and len(set(la)) > 1


@pytest.mark.parametrize("prefix", ["", "/compatible-mode"])
def test_embeddings_one_vector_per_input(sim, prefix):
    s = sim("--model", "text-embedding-v3", model=None)
    r = httpx.post(s.url + prefix + "/v1/embeddings",
                   json={"model": "text-embedding-v3", "input": ["hello world", "你好"],
                         "dimensions": 8},
                   headers={"authorization": "Bearer sim-0"})
    assert r.status_code == 200
    body = r.json()
    assert [d["index"] for d in body["data"]] == [0, 1]
    assert all(len(d["embedding"]) == 8 for d in body["data"])
    norm = sum(x * x for x in body["data"][0]["embedding"])
    assert abs(norm - 1) < 1e-4
    assert body["usage"] == {"prompt_tokens": 4, "total_tokens": 4}


def test_latency_sets_time_to_first_byte_and_tps_paces_the_stream(sim):
    s = sim("--latency-ms", "300", "--tps", "50", "--answer-tokens", "10")
    start = time.monotonic()
    with httpx.stream("POST", s.url + "/v1/chat/completions",
                      json={"model": "qwen3-max", "messages": HELLO, "stream": True},
                      headers={"authorization": "Bearer sim-0"}, timeout=10) as r:
        chunks = r.iter_raw()
        next(chunks)
        first = time.monotonic() - start
        for _ in chunks:
            pass
    total = time.monotonic() - start
    assert first >= 0.3
    assert total >= 0.3 + 9 / 50  # the 10th token leaves 9/50 s after the first


def test_unknown_path_is_404_and_wrong_method_405(sim):
    s = sim()
    assert httpx.get(s.url + "/v1/nothing").status_code == 404
    assert httpx.get(s.url + "/v1/chat/completions").status_code == 405
