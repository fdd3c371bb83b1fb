"""Every kind of upstream refusal, provoked in `sluice sim` on one account while another has
room: the client never sees it (the request is retried at once on the other channel), and the
pool reacts as PROTOCOLS.md prescribes: cooldown, slower pacing, a lower in-flight cap, the
channel out of the pool on billing/auth, 404 for that channel only, a breaker on 5xx. One error
never disables a channel for a transient refusal."""
import concurrent.futures

import httpx
import pytest

from sluice_testing import start_gateway, start_sim, wait_until

MESSAGES = [{"role": "user", "content": "hello world"}]
KEY = "sk-pool-test"
ADMIN = "admin-secret"


def start_pair(tmp_path, processes, bad_account, bad_api_key="bad-key", a_priority=0, extra="",
               a_models="[qwen3-max]"):
    """A sim with a misbehaving account `bad` and a healthy one, and a gateway with a channel on
    each (limits left to the built-in defaults, far above the sim's)."""
    config = tmp_path / "sim.yaml"
    config.write_text(f"""
seed: 7
answer: {{min_tokens: 16, max_tokens: 16}}
accounts:
  - name: bad
    key: bad-key
{bad_account}
  - name: good
    key: good-key
    models: {{qwen3-max: }}
""")
    sim = start_sim(tmp_path, "--config", str(config), accounts=0, model=None, latency_ms=None)
    processes.append(sim)
    gw = start_gateway(tmp_path, f"""admin_token: {ADMIN}
keys: [{{key: {KEY}, name: tester}}]
channels:
  - {{name: a, base_url: '{sim.url}/v1', api_key: {bad_api_key}, models: {a_models},
     priority: {a_priority}}}
  - {{name: b, base_url: '{sim.url}/v1', api_key: good-key, models: [qwen3-max]}}
""" + extra)
    processes.append(gw)
    return sim, gw


def chat(url, model="qwen3-max"):
    return httpx.post(url + "/v1/chat/completions",
                      json={"model": model, "messages": MESSAGES},
                      headers={"authorization": f"Bearer {KEY}"}, timeout=60)


def sequential(url, n):
    return [chat(url).status_code for _ in range(n)]


def sim_account(sim, name):
    stats = httpx.get(sim.url + "/__sim/stats", timeout=5).json()
    return stats["accounts"][name]


def refused(sim, reason):
    """How often the sim refused the misbehaving account's qwen3-max for `reason`."""
    return sim_account(sim, "bad")["models"]["qwen3-max"]["refused"][reason]


def pool_state(gw):
    pool = httpx.get(gw.url + "/admin/pool", headers={"authorization": f"Bearer {ADMIN}"}).json()
    channel_a = next(c for c in pool["channels"] if c["name"] == "a")
    return pool["counters"]["outcomes"], channel_a


def test_request_rate_refusal_cools_the_account_down(tmp_path, processes):
    sim, gw = start_pair(tmp_path, processes, "    models: {qwen3-max: {rpm: 1}}")
    assert sequential(gw.url, 6) == [200] * 6
    assert refused(sim, "rpm") == 1
    outcomes, a = pool_state(gw)
    assert outcomes["rate_limited"] == 1
    assert a["models"][0]["cooldown_seconds"] > 0 and a["models"][0]["cooldown_reason"]
    assert a["disabled"] is False


def test_token_quota_refusal_is_transient(tmp_path, processes):
    # One request is 9 prompt + 16 completion tokens: the second does not fit in 30 TPM.
    sim, gw = start_pair(tmp_path, processes, "    models: {qwen3-max: {tpm: 30}}")
    assert sequential(gw.url, 6) == [200] * 6
    assert refused(sim, "tpm") == 1
    outcomes, a = pool_state(gw)
    assert outcomes["token_quota"] == 1
    assert a["models"][0]["cooldown_seconds"] > 0
    assert a["disabled"] is False  # insufficient_quota from DashScope is its TPM window


def test_burst_refusal_paces_the_account_slower(tmp_path, processes):
    sim, gw = start_pair(tmp_path, processes,
                         "    models: {qwen3-max: {burst: 1, burst_window_ms: 5000}}")
    assert sequential(gw.url, 6) == [200] * 6
    bursts = refused(sim, "burst")
    outcomes, a = pool_state(gw)
    assert bursts >= 1 and outcomes["burst"] == bursts
    assert a["models"][0]["pace_slowdown"] > 1
    assert a["disabled"] is False


def test_concurrency_refusal_lowers_the_in_flight_cap(tmp_path, processes):
    sim, gw = start_pair(tmp_path, processes,
                         "    max_in_flight: 1\n    latency: {first_token_ms: 1000}\n"
                         "    models: {qwen3-max: }", a_priority=1)
    # Channel a is preferred, so its pacer (10 requests/s by default) sends it a second request
    # while the first is still in flight.
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = [r.status_code for r in pool.map(lambda _: chat(gw.url), range(8))]
    assert statuses == [200] * 8
    refusals = refused(sim, "concurrency")
    outcomes, a = pool_state(gw)
    assert refusals >= 1 and outcomes["concurrency"] == refusals
    assert a["models"][0]["concurrency_cap"] >= 1
    assert a["disabled"] is False


def test_exhausted_free_tier_takes_that_model_of_the_account_out_not_the_channel(tmp_path,
                                                                                 processes):
    sim, gw = start_pair(tmp_path, processes,
                         "    models: {qwen3-max: {free_tokens: 20}, qwen-plus: }",
                         a_priority=1, a_models="[qwen3-max, qwen-plus]")
    assert sequential(gw.url, 6) == [200] * 6
    assert refused(sim, "free_quota") == 1
    outcomes, a = pool_state(gw)
    assert outcomes["billing_or_auth"] == 1
    assert a["disabled"] is False
    spent = next(m for m in a["models"] if m["model"] == "qwen3-max")
    assert spent["cooldown_seconds"] > 3000
    assert spent["cooldown_reason"] == "AllocationQuota.FreeTierOnly"
    assert "channel a: its account's qwen3-max is out of the pool for a while" in gw.output()
    # The account's other model is still served by it (only channel a serves it).
    assert chat(gw.url, "qwen-plus").status_code == 200
    assert sim_account(sim, "bad")["models"]["qwen-plus"]["accepted"] == 1


def test_rejected_api_key_takes_the_channel_out(tmp_path, processes):
    sim, gw = start_pair(tmp_path, processes, "    models: {qwen3-max: }",
                         bad_api_key="revoked-key")
    assert sequential(gw.url, 4) == [200] * 4
    assert httpx.get(sim.url + "/__sim/stats").json()["unauthorized"] == 1
    outcomes, a = pool_state(gw)
    assert outcomes["billing_or_auth"] == 1
    assert a["disabled"] is True


def test_model_not_served_by_one_channel_skips_only_that_channel(tmp_path, processes):
    sim, gw = start_pair(tmp_path, processes, "    models: {qwen-plus: }")
    assert sequential(gw.url, 4) == [200] * 4
    assert sim_account(sim, "bad")["model_not_found"] == 1
    outcomes, a = pool_state(gw)
    assert outcomes["model_not_found"] == 1
    assert a["models"][0]["unavailable_seconds"] > 0
    assert a["disabled"] is False


def test_a_route_the_upstream_lacks_is_one_clients_404_and_the_model_stays_in_service(
        tmp_path, processes):
    # The sim serves no /v1/completions: its 404 is about the route, not the model.
    sim, gw = start_pair(tmp_path, processes, "    models: {qwen3-max: }")
    legacy = httpx.post(gw.url + "/v1/completions", json={"model": "qwen3-max", "prompt": "hi"},
                        headers={"authorization": f"Bearer {KEY}"}, timeout=60)
    assert legacy.status_code == 404
    assert legacy.json()["error"]["code"] == "not_found"  # the upstream's own answer
    assert sequential(gw.url, 4) == [200] * 4
    outcomes, a = pool_state(gw)
    assert outcomes["model_not_found"] == 0 and outcomes["client_error"] == 1
    assert a["models"][0]["unavailable_seconds"] == 0


@pytest.mark.parametrize("fault", ["error_5xx: 1", "reset: 1"])
def test_server_errors_fail_over_and_open_the_breaker(tmp_path, processes, fault):
    sim, gw = start_pair(tmp_path, processes,
                         f"    faults: {{{fault}}}\n    models: {{qwen3-max: }}")
    assert sequential(gw.url, 10) == [200] * 10
    outcomes, a = pool_state(gw)
    failures = outcomes["server_error"] + outcomes["reset"]
    assert failures >= 1
    assert a["disabled"] is False  # one error never disables a channel
    metrics = httpx.get(gw.url + "/metrics").text
    assert 'sluice_upstream_errors_total{channel="a"' in metrics


class InArrearsUpstream:
    """An upstream whose account is in arrears: every completion is refused with DashScope's
    Arrearage, while GET /models still lists the model, as it does for such an account."""

    def __init__(self):
        import http.server
        import json
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self.answer(200, {"object": "list", "data": [{"id": "qwen3-max", "object": "model"}]})

            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                self.answer(400, {"error": {"message": "Access denied, please make sure your "
                                            "account is in good standing.", "type": "Arrearage",
                                            "code": "Arrearage"}})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        return 0


def test_probe_brings_a_disabled_channel_back(tmp_path, processes):
    # The upstream still lists its models for an account in arrears, so the probe (GET /models)
    # succeeds: the channel comes back, and is taken out again by its next refusal. That makes
    # "back in the pool" a moment, not a state to poll for: the log says it happened.
    arrears = InArrearsUpstream()
    processes.append(arrears)
    sim = start_sim(tmp_path, accounts=1)
    processes.append(sim)
    gw = start_gateway(tmp_path, f"""admin_token: {ADMIN}
keys: [{{key: {KEY}, name: tester}}]
pool: {{probe_interval: 200ms}}
channels:
  - {{name: a, base_url: '{arrears.url}/v1', api_key: k, models: [qwen3-max], priority: 1}}
  - {{name: b, base_url: '{sim.url}/v1', api_key: sim-0, models: [qwen3-max]}}
""")
    processes.append(gw)
    assert sequential(gw.url, 4) == [200] * 4
    outcomes, a = pool_state(gw)
    assert a["disabled"] is True and a["disabled_reason"] == "Arrearage"

    def probed_back():
        assert chat(gw.url).status_code == 200  # traffic starts the due probes
        return "probe of disabled channel a: answered, back in the pool" in gw.output()

    wait_until(probed_back, timeout=10)


def test_operator_enables_a_disabled_channel(tmp_path, processes):
    sim, gw = start_pair(tmp_path, processes, "    models: {qwen3-max: }",
                         bad_api_key="revoked-key")
    assert sequential(gw.url, 4) == [200] * 4
    assert pool_state(gw)[1]["disabled"] is True
    assert "channel a taken out of the pool: the upstream refused it" in gw.output()
    enable = gw.url + "/admin/pool/channels/a/enable"
    assert httpx.post(enable).status_code == 401
    missing = httpx.post(gw.url + "/admin/pool/channels/zz/enable",
                         headers={"authorization": f"Bearer {ADMIN}"})
    assert missing.status_code == 404 and "zz" in missing.json()["error"]["message"]
    r = httpx.post(enable, headers={"authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 200 and r.json() == {"channel": "a", "enabled": True}
    assert pool_state(gw)[1]["disabled"] is False


def test_a_reload_that_fixes_a_channels_key_brings_it_back(tmp_path, processes):
    import signal
    sim, gw = start_pair(tmp_path, processes, "    models: {qwen3-max: }",
                         bad_api_key="revoked-key")
    assert sequential(gw.url, 2) == [200] * 2
    assert pool_state(gw)[1]["disabled"] is True
    # The operator puts the account's right key in the file and reloads: channel a is judged
    # afresh, not left out until a probe.
    gw.config_path.write_text(gw.config_path.read_text().replace("revoked-key", "bad-key"))
    gw.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "configuration reloaded" in gw.output())
    assert pool_state(gw)[1]["disabled"] is False
    served = sim_account(sim, "bad")["models"]["qwen3-max"]["accepted"]
    assert sequential(gw.url, 4) == [200] * 4
    assert sim_account(sim, "bad")["models"]["qwen3-max"]["accepted"] > served


def test_an_answer_cut_off_mid_body_keeps_its_reservation_in_the_accounts_token_window(
        tmp_path, processes):
    # The upstream accepted the request and generated its answer before the body broke: it
    # counted those tokens, so the pool must too (the client is served by the other channel).
    sim, gw = start_pair(tmp_path, processes,
                         "    faults: {stream_cut: 1}\n    models: {qwen3-max: }", a_priority=1)
    r = httpx.post(gw.url + "/v1/chat/completions",
                   json={"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 300},
                   headers={"authorization": f"Bearer {KEY}"}, timeout=60)
    assert r.status_code == 200
    assert sim_account(sim, "bad")["models"]["qwen3-max"]["accepted"] == 1
    outcomes, a = pool_state(gw)
    assert outcomes["reset"] == 1
    assert a["models"][0]["usage"]["tpm"] >= 300  # the prompt and the 300 reserved for the answer
