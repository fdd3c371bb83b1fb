"""The admin API: bearer admin token, keys created/listed/revoked over HTTP, usage reports, and
400s naming the malformed field."""
import time

import httpx
import pytest

from conftest import ADMIN_TOKEN


def admin(stack, method, path, token=ADMIN_TOKEN, authorization=None, **kw):
    headers = {"authorization": authorization or f"Bearer {token}"} if token is not None else {}
    return httpx.request(method, stack.url + path, headers=headers, timeout=10, **kw)


def test_create_returns_the_key_once_and_it_works(stack):
    r = admin(stack, "POST", "/admin/keys",
              json={"name": "app-1", "budget_usd": 2.5, "rpm": 30, "tpm": 50000,
                    "models": ["qwen3*"], "expires_at": "2099-01-01", "price_multiplier": 0.88})
    assert r.status_code == 201, r.text
    created = r.json()
    key = created["key"]
    assert key.startswith("sk-sluice-") and len(key) == 53
    assert (created["name"], created["budget_usd"], created["rpm"], created["tpm"],
            created["models"], created["price_multiplier"], created["expires_at"],
            created["status"]) == ("app-1", 2.5, 30, 50000, ["qwen3*"], 0.88,
                                   "2099-01-01T00:00:00Z", "active")
    assert stack.chat(key).status_code == 200
    listed = admin(stack, "GET", "/admin/keys")
    assert listed.status_code == 200
    assert key not in listed.text
    [entry] = listed.json()["data"]
    assert entry["hint"] == "sk-sluice-..." + key[-4:]
    assert "key" not in entry


def test_revoke_over_http_refuses_the_key_within_a_second(stack):
    key = admin(stack, "POST", "/admin/keys", json={"name": "doomed"}).json()["key"]
    key_id = admin(stack, "GET", "/admin/keys").json()["data"][0]["id"]
    assert stack.chat(key).status_code == 200
    r = admin(stack, "DELETE", f"/admin/keys/{key_id}")
    assert r.status_code == 200
    assert r.json()["status"] == "revoked"
    # Revoked through the gateway's own cache: refused on the very next request.
    r = stack.chat(key)
    assert r.status_code == 401
    assert "revoked" in r.json()["error"]["message"]
    second = admin(stack, "POST", "/admin/keys", json={"name": "doomed-too"}).json()["key"]
    assert admin(stack, "POST", "/admin/keys/doomed-too/revoke").status_code == 200
    assert stack.chat(second).status_code == 401
    assert admin(stack, "DELETE", "/admin/keys/no-such-key").status_code == 404


def test_usage_report_groups_rows(stack):
    key = admin(stack, "POST", "/admin/keys", json={"name": "reporter"}).json()["key"]
    for _ in range(3):
        assert stack.chat(key).status_code == 200
    r = admin(stack, "GET", "/admin/usage?by=model&since=1h")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["by"] == "model"
    [group] = report["groups"]
    assert group["group"] == "qwen3-max"
    assert group["requests"] == 3 and group["errors"] == 0
    assert group["list_usd"] > 0 and group["list_usd"] == report["total"]["list_usd"]
    by_key = admin(stack, "GET", "/admin/usage?by=key").json()
    assert [g["group"] for g in by_key["groups"]] == ["reporter"]
    by_day = admin(stack, "GET", "/admin/usage?by=day&since=all").json()
    assert by_day["groups"][0]["group"] == time.strftime("%Y-%m-%d", time.gmtime())


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Bearer",
                                           f"Basic {ADMIN_TOKEN}", f"Bearer {ADMIN_TOKEN}x"])
def test_missing_or_wrong_token_is_401(stack, authorization):
    for method, path in (("GET", "/admin/keys"), ("POST", "/admin/keys"),
                         ("GET", "/admin/usage"), ("DELETE", "/admin/keys/1")):
        r = admin(stack, method, path, token=None if authorization is None else "",
                  authorization=authorization, json={"name": "x"})
        assert r.status_code == 401, (method, path)
        assert r.json()["error"]["code"] == "invalid_api_key"
    assert admin(stack, "GET", "/admin/keys").json()["data"] == []  # nothing was created


@pytest.mark.parametrize("body,field", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "a", "rpm": "fast"}, "rpm"),
    ({"name": "a", "tpm": 0}, "tpm"),
    ({"name": "a", "budget_usd": -1}, "budget_usd"),
    ({"name": "a", "models": "qwen3-max"}, "models"),
    ({"name": "a", "expires_at": "next week"}, "expires_at"),
    ({"name": "a", "price_multiplier": "cheap"}, "price_multiplier"),
    ({"name": "a", "budget": 5}, "budget"),
    ({"name": "a", "budget_usd": 1e10}, "budget_usd"),  # would wrap negative in nano-USD
    ({"name": "a\nforged log line"}, "name"),
    ({"name": "a", "models": ["qwen-turbo,qwen3-max"]}, "models"),  # stored comma-joined
    ({"name": "a", "price_multiplier": 1e6}, "price_multiplier"),
])
def test_malformed_create_is_400_naming_the_field(stack, body, field):
    r = admin(stack, "POST", "/admin/keys", json=body)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["param"] == field
    assert f"`{field}`" in error["message"]


def test_malformed_usage_query_and_body_are_400(stack):
    r = admin(stack, "GET", "/admin/usage?by=team")
    assert (r.status_code, r.json()["error"]["param"]) == (400, "by")
    r = admin(stack, "GET", "/admin/usage?since=yesterday")
    assert (r.status_code, r.json()["error"]["param"]) == (400, "since")
    r = admin(stack, "GET", "/admin/usage?group=key")
    assert (r.status_code, r.json()["error"]["param"]) == (400, "group")
    r = admin(stack, "POST", "/admin/keys", content=b"{not json")
    assert r.status_code == 400
    assert "not valid JSON" in r.json()["error"]["message"]


def test_duplicate_name_is_400_and_the_pool_admin_route_still_answers(stack):
    assert admin(stack, "POST", "/admin/keys", json={"name": "dup"}).status_code == 201
    r = admin(stack, "POST", "/admin/keys", json={"name": "dup"})
    assert (r.status_code, r.json()["error"]["param"]) == (400, "name")
    # /admin/pool belongs to the gateway's pool, not to the keys API: it is not shadowed.
    pool = admin(stack, "GET", "/admin/pool")
    assert pool.status_code == 200, pool.text
    assert admin(stack, "GET", "/admin/pool", token="wrong").status_code == 401
    assert admin(stack, "PUT", "/admin/keys").status_code == 405


def test_admin_token_from_the_environment_and_off_without_one(tmp_path, processes):
    from sluice_testing import start_gateway, start_sim
    sim = start_sim(tmp_path)
    processes.append(sim)
    config = (f"channels:\n  - name: sim0\n    base_url: {sim.url}/v1\n    api_key: sim-0\n"
              "    models: [qwen3-max]\n")
    with_env = start_gateway(tmp_path, config, env={"SLUICE_ADMIN_TOKEN": "from-env"})
    processes.append(with_env)
    r = httpx.get(with_env.url + "/admin/keys", headers={"authorization": "Bearer from-env"},
                  timeout=10)
    assert r.status_code == 200, r.text
    # An empty SLUICE_ADMIN_TOKEN (as if unset) leaves the admin API off.
    without = start_gateway(tmp_path, config, env={"SLUICE_ADMIN_TOKEN": ""})
    processes.append(without)
    r = httpx.get(without.url + "/admin/keys", headers={"authorization": "Bearer from-env"},
                  timeout=10)
    assert r.status_code == 404
    assert "admin API is off" in r.json()["error"]["message"]
