"""Every refusal kind, with DashScope's status, body and message, and exact counters."""
import threading

import httpx
import pytest

from simhttp import chat, error_of, model_stats, stats

RATE = "Requests rate limit exceeded, please try again later."
QUOTA = "You exceeded your current quota, please check your plan and billing details."


def assert_dashscope_error(r, status, code, message=None, type_=None):
    assert r.status_code == status
    body = r.json()
    assert set(body) == {"error", "request_id"}
    assert body["request_id"] == r.headers["x-request-id"]
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["param"] is None
    assert error["code"] == code
    assert error["type"] == (type_ or code)
    if message is not None:
        assert error["message"] == message


def test_rpm_refuses_the_request_over_the_minute_limit_with_retry_after(sim):
    s = sim(model="qwen3-max:rpm=2")
    assert chat(s.url).status_code == 200
    assert chat(s.url).status_code == 200
    r = chat(s.url)
    assert_dashscope_error(r, 429, "limit_requests", RATE)
    assert 55 <= int(r.headers["retry-after"]) <= 60
    assert chat(s.url, key="sim-1").status_code == 200  # limits are per account
    m = model_stats(s.url)
    assert m["accepted"] == 2
    assert m["refused"]["rpm"] == 1 and m["refused"]["total"] == 1


def test_rps_refuses_a_burst_inside_one_second(sim):
    s = sim(model="qwen3-max:rpm=600,rps=1")
    assert chat(s.url).status_code == 200
    r = chat(s.url)
    assert_dashscope_error(r, 429, "limit_requests", RATE)
    assert r.headers["retry-after"] == "1"
    assert model_stats(s.url)["refused"]["rps"] == 1


def test_tpm_counts_prompt_at_admission_and_completion_at_the_end(sim):
    # each request: 10 prompt tokens + 16 completion tokens
    s = sim("--answer-tokens", "16", model="qwen3-max:tpm=40")
    assert chat(s.url).status_code == 200  # 26 in the window
    r = chat(s.url)  # 26 + 10 fits (36 <= 40), then +16 = 52
    assert r.status_code == 200
    r = chat(s.url)
    assert_dashscope_error(r, 429, "insufficient_quota", QUOTA)
    assert "retry-after" in r.headers
    m = model_stats(s.url)
    assert m["window"]["tokens"] == 52
    assert m["refused"]["tpm"] == 1


def test_burst_rule_refuses_requests_rising_too_quickly(sim):
    s = sim(model="qwen3-max:burst=2,burst_window_ms=5000")
    assert chat(s.url).status_code == 200
    assert chat(s.url).status_code == 200
    r = chat(s.url)
    assert_dashscope_error(r, 429, "limit_burst_rate")
    assert error_of(r)["message"].startswith("Request rate increased too quickly.")
    assert model_stats(s.url)["refused"]["burst"] == 1


def test_in_flight_cap_refuses_with_throttling_concurrency(sim):
    s = sim("--max-in-flight", "1", "--latency-ms", "1500")
    first = {}
    t = threading.Thread(target=lambda: first.setdefault("r", chat(s.url)))
    t.start()
    deadline = 100
    while stats(s.url)["accounts"]["sim-0"]["in_flight"] != 1 and deadline:
        deadline -= 1
        threading.Event().wait(0.02)
    r = chat(s.url)
    assert_dashscope_error(r, 429, "Throttling.Concurrency")
    assert chat(s.url, key="sim-1", timeout=5).status_code == 200  # another account's cap
    t.join()
    assert first["r"].status_code == 200
    assert model_stats(s.url)["refused"]["concurrency"] == 1
    assert stats(s.url)["accounts"]["sim-0"]["in_flight"] == 0


def test_exhausted_free_quota_is_403_free_tier_only(sim):
    s = sim("--answer-tokens", "16", model="qwen3-max:free_tokens=20")
    assert chat(s.url).status_code == 200  # 26 tokens spent: the quota is gone
    r = chat(s.url)
    assert_dashscope_error(r, 403, "AllocationQuota.FreeTierOnly")
    assert error_of(r)["message"].startswith("The free tier of the model has been exhausted.")
    assert "retry-after" not in r.headers
    assert model_stats(s.url)["refused"]["free_quota"] == 1


@pytest.mark.parametrize("key", ["wrong", None])
def test_unknown_key_is_401_invalid_api_key(sim, key):
    s = sim()
    r = chat(s.url, key=key)
    assert_dashscope_error(r, 401, "invalid_api_key", "Incorrect API key provided. ",
                           "invalid_request_error")
    assert stats(s.url)["unauthorized"] == 1


def test_unknown_model_is_404_model_not_found(sim):
    s = sim()
    r = chat(s.url, model="gpt-9")
    assert_dashscope_error(r, 404, "model_not_found",
                           "The model `gpt-9` does not exist or you do not have access to it.",
                           "invalid_request_error")
    assert stats(s.url)["accounts"]["sim-0"]["model_not_found"] == 1


@pytest.mark.parametrize("body", [b"{not json", b'{"model":"qwen3-max"}',
                                  b'{"model":"qwen3-max","messages":[]}', b"[]"])
def test_malformed_request_is_400_invalid_parameter_error(sim, body):
    s = sim()
    r = httpx.post(s.url + "/v1/chat/completions", content=body,
                   headers={"authorization": "Bearer sim-0"})
    assert_dashscope_error(r, 400, "invalid_parameter_error", type_="invalid_request_error")
    assert error_of(r)["message"].startswith("<400> InternalError.Algo.InvalidParameter: ")
    assert stats(s.url)["accounts"]["sim-0"]["bad_request"] == 1


def test_ratelimit_headers_report_limits_remaining_and_reset(sim):
    s = sim("--ratelimit-headers", "--answer-tokens", "16", model="qwen3-max:rpm=10,tpm=1000")
    r = chat(s.url)
    assert r.headers["x-ratelimit-limit-requests"] == "10"
    assert r.headers["x-ratelimit-remaining-requests"] == "9"
    assert r.headers["x-ratelimit-limit-tokens"] == "1000"
    assert r.headers["x-ratelimit-remaining-tokens"] == "990"  # the prompt is charged
    assert r.headers["x-ratelimit-reset-requests"] in ("59.999s", "1m0s")
    r = chat(s.url)
    assert r.headers["x-ratelimit-remaining-tokens"] == str(1000 - 26 - 10)


def test_without_ratelimit_headers_flag_none_are_sent(sim):
    s = sim(model="qwen3-max:rpm=10")
    assert not [h for h in chat(s.url).headers if h.startswith("x-ratelimit")]


def test_counters_are_exact_under_concurrency(sim):
    s = sim("--threads", "2", model="qwen3-max:rpm=100")
    results = []
    lock = threading.Lock()

    def worker():
        with httpx.Client() as client:
            for _ in range(25):
                r = client.post(s.url + "/v1/chat/completions",
                                json={"model": "qwen3-max",
                                      "messages": [{"role": "user", "content": "x"}]},
                                headers={"authorization": "Bearer sim-0"})
                with lock:
                    results.append(r.status_code)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(results)) == [200, 429]
    assert results.count(200) == 100
    m = model_stats(s.url)
    assert m["accepted"] == 100 and m["refused"]["rpm"] == 100


def test_reset_clears_counters_and_windows(sim):
    s = sim(model="qwen3-max:rpm=1")
    chat(s.url)
    assert chat(s.url).status_code == 429
    assert httpx.post(s.url + "/__sim/reset").json() == {"reset": True}
    m = model_stats(s.url)
    assert m["accepted"] == 0 and m["refused"]["total"] == 0
    assert chat(s.url).status_code == 200
