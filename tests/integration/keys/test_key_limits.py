"""Per-key RPM and TPM before admission, and OpenAI's x-ratelimit-* headers on every answer."""
import re

import httpx

from conftest import MESSAGES

RESET = re.compile(r"^(\d+ms|(\d+h)?(\d+m)?\d+(\.\d+)?s)$")
NAMES = ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
         "x-ratelimit-reset-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens",
         "x-ratelimit-reset-tokens"]


def test_rpm_limit_answers_429_with_retry_after_and_headers(stack):
    key = stack.create_key("slow", "--rpm", "2")
    first, second, third = (stack.chat(key) for _ in range(3))
    assert first.status_code == 200 and second.status_code == 200, second.text
    assert first.headers["x-ratelimit-limit-requests"] == "2"
    assert first.headers["x-ratelimit-remaining-requests"] == "1"
    assert second.headers["x-ratelimit-remaining-requests"] == "0"
    assert third.status_code == 429
    error = third.json()["error"]
    assert error["code"] == "rate_limit_exceeded"
    assert error["type"] == "requests"
    assert "Limit 2, Used 2, Requested 1" in error["message"]
    # One request refills every 30 s at 2 RPM; two are taken, so the next fits in about 30 s.
    assert 1 <= int(third.headers["retry-after"]) <= 30
    assert int(third.headers["retry-after-ms"]) <= 30_000
    assert third.headers["x-ratelimit-remaining-requests"] == "0"
    assert RESET.match(third.headers["x-ratelimit-reset-requests"])
    # No token limit on this key: the token headers show the quota pool's window for the model,
    # whose one account has qwen3-max's built-in 1,000,000 TPM.
    assert third.headers["x-ratelimit-limit-tokens"] == "1000000"


def test_tpm_limit_refuses_a_request_that_cannot_fit(stack):
    key = stack.create_key("tiny-tpm", "--tpm", "100")
    r = stack.chat(key, {"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 500})
    assert r.status_code == 429
    assert r.json()["error"]["type"] == "tokens"
    assert r.headers["x-should-retry"] == "false"
    assert r.headers["x-ratelimit-limit-tokens"] == "100"


def test_every_answer_carries_the_rate_limit_headers(stack):
    key = stack.create_key("measured", "--rpm", "100", "--tpm", "100000")
    plain = stack.chat(key)
    assert plain.status_code == 200
    with httpx.stream("POST", stack.url + "/v1/chat/completions",
                      json={"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 8,
                            "stream": True},
                      headers={"authorization": f"Bearer {key}"}, timeout=30) as streamed:
        assert streamed.status_code == 200
        streamed.read()
    not_found = stack.chat(key, {"model": "no-such-model", "messages": MESSAGES})
    assert not_found.status_code == 404
    for r in (plain, streamed, not_found):
        for name in NAMES:
            assert name in r.headers, (name, r.status_code)
        assert r.headers["x-ratelimit-limit-requests"] == "100"
        assert r.headers["x-ratelimit-limit-tokens"] == "100000"
        assert RESET.match(r.headers["x-ratelimit-reset-requests"])
        assert RESET.match(r.headers["x-ratelimit-reset-tokens"])
    assert int(plain.headers["x-ratelimit-remaining-requests"]) == 99
    assert int(streamed.headers["x-ratelimit-remaining-requests"]) <= 99
    assert int(plain.headers["x-ratelimit-remaining-tokens"]) < 100000


def test_callers_without_limits_see_the_pool_windows(make_stack):
    # A second account beside the fixture's sim0 (built-in qwen3-max: 600 RPM, 1,000,000 TPM).
    stack = make_stack(extra="""  - name: other
    base_url: {url}/v1
    api_key: sim-1
    models: {{qwen3-max: {{rpm: 120, tpm: 40000}}}}
keys:
  - key: sk-config-key
    name: from-config
""", extra_is_channels=True)
    first = stack.chat("sk-config-key")
    second = stack.chat("sk-config-key")
    assert first.status_code == 200 and second.status_code == 200
    # The quota pool's values, summed over the model's accounts, with this request counted.
    for r in (first, second):
        assert r.headers["x-ratelimit-limit-requests"] == "720"
        assert r.headers["x-ratelimit-limit-tokens"] == "1040000"
        for name in NAMES:
            assert RESET.match(r.headers[name]) if "reset" in name else name in r.headers
    assert first.headers["x-ratelimit-remaining-requests"] == "719"
    assert second.headers["x-ratelimit-remaining-requests"] == "718"
    assert int(second.headers["x-ratelimit-remaining-tokens"]) <= (
        1040000 - first.json()["usage"]["total_tokens"])
    unknown = stack.chat("sk-config-key", {"model": "nope", "messages": MESSAGES})
    assert unknown.status_code == 404
    assert "x-ratelimit-limit-requests" not in unknown.headers  # no such model: no limit exists
