"""Budgets: the maximum charge is reserved before sending, so 200 concurrent requests cannot
overspend a small budget by more than one request's maximum cost."""
import asyncio

import httpx

from conftest import MESSAGES, QWEN3_MAX_IN, QWEN3_MAX_OUT

MAX_TOKENS = 40


async def fire(url, key, n):
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        body = {"model": "qwen3-max", "messages": MESSAGES, "max_tokens": MAX_TOKENS}
        headers = {"authorization": f"Bearer {key}"}
        return await asyncio.gather(*(client.post(url + "/v1/chat/completions", json=body,
                                                  headers=headers) for _ in range(n)))


def test_concurrent_requests_overspend_at_most_one_request(make_stack):
    # Every answer runs to max_tokens, so real charges equal the reservations and the bound is
    # tight: the budget is really spent, and overspent by the last admitted request at most.
    stack = make_stack(sim_flags=("--answer-tokens", str(MAX_TOKENS)))
    budget_usd = 0.002
    key = stack.create_key("small-budget", "--budget-usd", str(budget_usd))
    answers = asyncio.run(fire(stack.url, key, 200))
    statuses = [r.status_code for r in answers]
    assert statuses.count(200) >= 1
    refused = [r for r in answers if r.status_code == 429]
    assert refused, statuses
    assert set(statuses) == {200, 429}, statuses
    # Refused while the first requests' reservations held the budget: retryable; refused once it
    # was spent: insufficient_quota, not to be retried.
    for r in refused:
        error = r.json()["error"]
        if error["code"] == "rate_limit_exceeded":
            assert "reserved by its requests in flight" in error["message"]
            assert r.headers["retry-after"] == "1" and "x-should-retry" not in r.headers
        else:
            assert (error["code"], error["type"]) == ("insufficient_quota", "insufficient_quota")
            assert r.headers["x-should-retry"] == "false"
    stack.stop()  # flushes the ledger: the stored spend is complete
    rows = stack.rows()
    assert len([r for r in rows if r["status"] == 200]) == statuses.count(200)
    spent_nano = sum(r["charged_nano_usd"] for r in rows)
    spent_usd = stack.keys()["small-budget"]["spent_usd"]
    assert abs(spent_usd - spent_nano / 1e9) < 1e-9
    # One request's maximum: its prompt plus max_tokens at list price (multiplier 1).
    max_prompt = max(r["prompt_tokens"] for r in rows if r["status"] == 200)
    max_cost_nano = max_prompt * QWEN3_MAX_IN + MAX_TOKENS * QWEN3_MAX_OUT
    budget_nano = round(budget_usd * 1e9)
    assert spent_nano >= budget_nano  # the budget was used up (8 requests of ~0.00026 USD)
    assert spent_nano - budget_nano <= max_cost_nano


def test_a_budget_held_only_by_requests_in_flight_is_a_retryable_429_not_insufficient_quota(
        make_stack):
    # Without max_tokens each request reserves its longest answer (some 0.39 USD for qwen3-max),
    # so a 1 USD budget holds about three at once, though each costs a fraction of a cent.
    stack = make_stack(sim_flags=("--latency-ms", "300"))
    key = stack.create_key("roomy", "--budget-usd", "1")
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)

    async def burst():
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:
            body = {"model": "qwen3-max", "messages": MESSAGES}
            headers = {"authorization": f"Bearer {key}"}
            return await asyncio.gather(*(client.post(stack.url + "/v1/chat/completions",
                                                      json=body, headers=headers)
                                          for _ in range(8)))

    answers = asyncio.run(burst())
    refused = [r for r in answers if r.status_code != 200]
    assert refused, "eight reservations of 0.39 USD fit a 1 USD budget"
    for r in refused:
        assert r.status_code == 429
        assert r.json()["error"]["code"] == "rate_limit_exceeded", r.text
        assert r.headers["retry-after"] == "1"
    # They finished; their reservations settled to cents: the retries are served.
    for _ in refused:
        assert stack.chat(key).status_code == 200


def test_exhausted_budget_is_refused_before_sending(stack):
    key = stack.create_key("zero", "--budget-usd", "0")
    r = stack.chat(key)
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "insufficient_quota"
    assert "You exceeded your current quota" in r.json()["error"]["message"]
    assert r.headers["x-should-retry"] == "false"
    stack.stop()
    [row] = stack.rows()
    assert (row["status"], row["channel"], row["charged_nano_usd"]) == (429, "", 0)


def test_a_key_with_a_budget_is_refused_a_model_without_a_price(make_stack):
    # "house-model" is served by a channel but has no list price: it would cost a budget nothing.
    stack = make_stack(sim_flags=("--model", "house-model"), extra="""  - name: house
    base_url: {url}/v1
    api_key: sim-1
    models: [house-model]
keys:
  - key: sk-config-key
    name: from-config
""", extra_is_channels=True)
    budgeted = stack.create_key("budgeted", "--budget-usd", "5")
    unlimited = stack.create_key("unlimited")
    house = {"model": "house-model", "messages": MESSAGES, "max_tokens": 16}
    refused = stack.chat(budgeted, house)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "permission_denied")
    assert "`house-model` has no price" in error["message"] and "budgeted" in error["message"]
    # A priced model still serves the budgeted key; keys without a budget may use either.
    assert stack.chat(budgeted).status_code == 200
    assert stack.chat(unlimited, house).status_code == 200
    assert stack.chat("sk-config-key", house).status_code == 200
    stack.stop()
    assert "no price for house-model" in stack.gateway.output()
    assert [r["status"] for r in stack.rows() if r["key_name"] == "budgeted"] == [403, 200]
