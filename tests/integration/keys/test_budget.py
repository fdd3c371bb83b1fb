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
    for r in refused:
        assert r.json()["error"]["code"] == "insufficient_quota"
        assert r.json()["error"]["type"] == "insufficient_quota"
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
