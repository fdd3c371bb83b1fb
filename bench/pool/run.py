#!/usr/bin/env python3
"""Quota-pool benchmark: the gateway in front of `sluice sim` with 4 accounts, each
qwen3-max {rpm: 60, rps: 2, tpm: 20000} and a larger qwen-plus; open-loop arrivals.

    python3 bench/pool/run.py [--seconds 90] [--only 90,150,150-nofallback,faults,learn]

Scenarios (pooled capacity = sum over accounts of min(RPM, RPS x 60) = 4 requests/s):
  90             90% of capacity: expect 0 simulator refusals, 0 client 429s; prints queue waits.
  150            150% with fallback qwen3-max -> qwen-plus: 0 refusals, the excess on qwen-plus.
  150-nofallback 150% with x-sluice-fallback: off and x-sluice-max-wait: 10: the excess gets
                 429; then checks retry-after: a request 1 s before it is refused, one at it is
                 served.
  faults         90%, and account 3 answers 5xx, resets and hangs from 1/3 to 2/3 of the run
                 (its simulator is restarted with faults): expect no client error.
  retry-after    a fresh pool filled until its 429 names the minute window: the first request
                 served (polled every 0.2 s) comes within the second before retry-after.
  learn          90% with no limits in the gateway's configuration (pool.learn_unconfigured),
                 accounts of 40 RPM (below the learner's first guess of 60): simulator refusals
                 after the first minute should stay under 2% of requests.
Prints, per scenario: requests, outcomes by status, fallbacks, simulator refusals by reason,
queue wait p50/p99 (from the access log), latency p50/p99.
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import random
import sys
import tempfile
import threading
import time

import httpx

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from sluice_testing import Process, free_port, start_gateway  # noqa: E402
from sluice_testing import start_sim as start_test_sim  # noqa: E402

KEY = "sk-bench"
CAPACITY = 4.0  # requests/s
MESSAGES = [{"role": "user", "content": "Summarise the rate limits of a pooled gateway in a few "
             "sentences, with one example for each kind of limit."}]


def sim_yaml(keys, faults="", rpm=60):
    accounts = ""
    for key in keys:
        accounts += f"""  - key: {key}
    models:
      qwen3-max: {{rpm: {rpm}, rps: 2, tpm: 20000}}
      qwen-plus: {{rpm: 600, rps: 10, tpm: 1000000}}
{faults}"""
    return f"""seed: 11
latency: {{first_token_ms: 150, tokens_per_second: 400}}
answer: {{min_tokens: 40, max_tokens: 160, tokens_per_chunk: 8}}
accounts:
{accounts}"""


def start_sim(tmp, name, keys, port=None, faults="", rpm=60):
    port = port or free_port()
    config = tmp / f"{name}.yaml"
    config.write_text(sim_yaml(keys, faults, rpm))
    proc = Process([os.environ.get("SLUICE_BIN", str(ROOT / "build/sluice")), "sim", "--config",
                    str(config), "--listen", f"127.0.0.1:{port}"], tmp / f"{name}-{port}.log")
    proc.url = f"http://127.0.0.1:{port}"
    proc.port = port
    proc.wait_http(proc.url + "/v1/models")
    return proc


def gateway_yaml(sims, limits=True, fallback=True, learn=False):
    models = ("{qwen3-max: {rpm: 60, rps: 2, tpm: 20000}, qwen-plus: {rpm: 600, rps: 10, "
              "tpm: 1000000}}" if limits else "[qwen3-max, qwen-plus]")
    text = f"keys: [{{key: {KEY}, name: bench}}]\nadmin_token: bench-admin\n"
    text += "timeouts: {connect: 2s, first_byte: 3s, idle: 3s, total: 120s}\n"
    if learn:
        text += "pool: {learn_unconfigured: true}\n"
    if fallback:
        text += "fallbacks: {qwen3-max: [qwen-plus]}\n"
    text += "channels:\n"
    for i, (sim, key) in enumerate(sims):
        text += (f"  - {{name: acct-{i}, base_url: '{sim.url}/v1', api_key: {key}, "
                 f"models: {models}}}\n")
    return text


def sim_refusals(sims):
    totals = {}
    for sim in {id(s): s for s, _ in sims}.values():
        stats = httpx.get(sim.url + "/__sim/stats", timeout=5).json()
        for account in stats["accounts"].values():
            for model in account["models"].values():
                for reason, n in model["refused"].items():
                    totals[reason] = totals.get(reason, 0) + n
                totals["accepted"] = totals.get("accepted", 0) + model["accepted"]
    return totals


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run_load(url, rate, seconds, headers, on_tick=None, seed=1):
    """Open-loop Poisson arrivals at `rate`/s for `seconds`; returns one record per request."""
    rng = random.Random(seed)
    records = []
    lock = threading.Lock()
    client = httpx.Client(timeout=180, limits=httpx.Limits(max_connections=1000))

    def one(sent_at):
        began = time.monotonic()
        try:
            r = client.post(url + "/v1/chat/completions", headers={
                "authorization": f"Bearer {KEY}", **headers},
                json={"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 200})
            rec = {"t": sent_at, "status": r.status_code, "latency": time.monotonic() - began,
                   "model": r.headers.get("x-sluice-model", ""),
                   "retry_after": r.headers.get("retry-after")}
        except httpx.HTTPError as e:
            rec = {"t": sent_at, "status": type(e).__name__, "latency": 0, "model": ""}
        with lock:
            records.append(rec)

    start = time.monotonic()
    next_at = start
    with concurrent.futures.ThreadPoolExecutor(600) as pool:
        while next_at - start < seconds:
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if on_tick:
                on_tick(next_at - start)
            pool.submit(one, next_at - start)
            next_at += rng.expovariate(rate)
    client.close()
    return records


def queue_waits(gateway):
    waits = []
    for line in gateway.output().splitlines():
        if line.startswith("{") and '"queue_wait_ms"' in line:
            waits.append(json.loads(line)["queue_wait_ms"] / 1000)
    return waits


def report(name, records, sims, gateway, extra=None):
    by_status = {}
    for r in records:
        by_status[str(r["status"])] = by_status.get(str(r["status"]), 0) + 1
    fallbacks = sum(1 for r in records if r["model"] == "qwen-plus")
    waits = queue_waits(gateway)
    ok_latency = [r["latency"] for r in records if r["status"] == 200]
    out = {"scenario": name, "requests": len(records), "status": by_status,
           "fallbacks": fallbacks, "sim_refused": sim_refusals(sims),
           "queue_wait_p50_s": round(percentile(waits, 50), 3),
           "queue_wait_p99_s": round(percentile(waits, 99), 3),
           "latency_p50_s": round(percentile(ok_latency, 50), 3),
           "latency_p99_s": round(percentile(ok_latency, 99), 3)}
    retry_afters = [int(r["retry_after"]) for r in records if r.get("retry_after")]
    if retry_afters:
        out["retry_after_s_min_median_max"] = [min(retry_afters), percentile(retry_afters, 50),
                                               max(retry_afters)]
    out.update(extra or {})
    print(json.dumps(out), flush=True)


def scenario(tmp, name, load, seconds, *, limits=True, fallback=True, learn=False, headers=None,
             faults_mid_run=False, rpm=60):
    main_sim = start_sim(tmp, f"{name}-sim", ["sim-0", "sim-1", "sim-2"], rpm=rpm)
    side_sim = start_sim(tmp, f"{name}-sim3", ["sim-3"], rpm=rpm)
    sims = [(main_sim, "sim-0"), (main_sim, "sim-1"), (main_sim, "sim-2"), (side_sim, "sim-3")]
    gateway = start_gateway(tmp, gateway_yaml(sims, limits, fallback, learn))
    procs = [main_sim, side_sim, gateway]
    extra = {}
    state = {"phase": 0, "side": side_sim, "at_minute": None}

    def on_tick(t):
        if faults_mid_run and state["phase"] == 0 and t >= seconds / 3:
            state["phase"] = 1
            state["side"].stop()
            state["side"] = start_sim(tmp, f"{name}-sim3-faulty", ["sim-3"], side_sim.port,
                                      "    faults: {error_5xx: 0.3, reset: 0.2, hang: 0.2}\n")
        elif faults_mid_run and state["phase"] == 1 and t >= 2 * seconds / 3:
            state["phase"] = 2
            state["side"].stop()
            state["side"] = start_sim(tmp, f"{name}-sim3-healed", ["sim-3"], side_sim.port)
        if learn and state["at_minute"] is None and t >= 60:
            state["at_minute"] = sim_refusals(sims)

    try:
        records = run_load(gateway.url, CAPACITY * rpm / 60 * load, seconds, headers or {},
                           on_tick)
        if learn:
            end = sim_refusals(sims)
            start = state["at_minute"] or {"total": 0, "accepted": 0}
            after = sum(1 for r in records if r["t"] >= 60)
            extra["refused_after_first_minute"] = end["total"] - start["total"]
            extra["refused_after_first_minute_pct"] = round(
                100 * (end["total"] - start["total"]) / max(1, after), 2)
        if name == "150-nofallback":
            extra["retry_after_check"] = check_retry_after(gateway.url)
        sims = [(state["side"] if s is side_sim else s, k) for s, k in sims]
        gateway.stop()  # flushes the access log the queue waits are read from
        report(name, records, sims, gateway, extra)
    finally:
        for p in procs + [state["side"]]:
            p.stop()


def check_retry_after(url):
    """Saturates the pool, then: a 429's retry-after R; 1 s before R still 429; at R served."""
    headers = {"authorization": f"Bearer {KEY}", "x-sluice-max-wait": "0",
               "x-sluice-fallback": "off"}
    body = {"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 200}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        r = httpx.post(url + "/v1/chat/completions", headers=headers, json=body, timeout=60)
        if r.status_code == 429:
            break
    refused_at = time.monotonic()
    wait = int(r.headers["retry-after"])
    result = {"retry_after": wait}
    if wait > 1:
        time.sleep(max(0, refused_at + wait - 1 - time.monotonic()))
        early = httpx.post(url + "/v1/chat/completions", headers=headers, json=body, timeout=60)
        result["one_second_early"] = early.status_code
    time.sleep(max(0, refused_at + wait - time.monotonic()))
    on_time = httpx.post(url + "/v1/chat/completions", headers=headers, json=body, timeout=60)
    result["at_retry_after"] = on_time.status_code
    return result


def retry_after_accuracy(tmp):
    """A fresh pool filled by sequential requests until the pool's 429 names a minute window; then
    polls every 0.2 s: the first request served should come within a second before retry-after."""
    # No latency here: the fill must outpace the accounts' capacity.
    main_sim = start_test_sim(tmp, accounts=4, model="qwen3-max:rpm=60,rps=2,tpm=20000")
    sims = [(main_sim, f"sim-{i}") for i in range(4)]
    gateway = start_gateway(tmp, gateway_yaml(sims, fallback=False))
    headers = {"authorization": f"Bearer {KEY}", "x-sluice-max-wait": "0"}
    body = {"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 100}
    try:
        served = 0
        while True:
            r = httpx.post(gateway.url + "/v1/chat/completions", headers=headers, json=body,
                           timeout=60)
            if r.status_code == 200:
                served += 1
                continue
            said = int(r.headers["retry-after"])
            if said > 5:  # the minute window, not the pacer's next slot
                break
            time.sleep(0.05)
        refused_at = time.monotonic()
        while httpx.post(gateway.url + "/v1/chat/completions", headers=headers, json=body,
                         timeout=60).status_code != 200:
            time.sleep(0.2)
        print(json.dumps({"scenario": "retry-after", "served_before": served,
                          "retry_after_s": said,
                          "first_served_after_s": round(time.monotonic() - refused_at, 2),
                          "sim_refused": sim_refusals(sims)}), flush=True)
    finally:
        gateway.stop()
        main_sim.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=90)
    ap.add_argument("--only", default="90,150,150-nofallback,faults,learn,retry-after")
    ap.add_argument("--workdir", help="keep configurations and logs here (default: a temp dir)")
    args = ap.parse_args()
    wanted = args.only.split(",")
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(args.workdir or d)
        tmp.mkdir(parents=True, exist_ok=True)
        if "90" in wanted:
            scenario(tmp, "90", 0.9, args.seconds)
        if "150" in wanted:
            scenario(tmp, "150", 1.5, args.seconds)
        if "150-nofallback" in wanted:
            scenario(tmp, "150-nofallback", 1.5, args.seconds, fallback=False,
                     headers={"x-sluice-fallback": "off", "x-sluice-max-wait": "10"})
        if "faults" in wanted:
            scenario(tmp, "faults", 0.9, args.seconds, faults_mid_run=True)
        if "retry-after" in wanted:
            retry_after_accuracy(tmp)
        if "learn" in wanted:
            # 40 RPM per account, below the learner's first guess of 60: it must learn downwards.
            scenario(tmp, "learn", 0.9, max(args.seconds, 120), limits=False, learn=True, rpm=40)


if __name__ == "__main__":
    main()
