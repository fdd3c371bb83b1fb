"""Configuration from YAML and flags: shared limits across an account's keys, clear errors that
name the field, and a clean stop on SIGTERM."""
import socket
import subprocess
import time

import httpx

from simhttp import HELLO, chat, raw_post, stats
from sluice_testing import SLUICE_BIN, free_port


def run_sim_expecting_failure(*args):
    p = subprocess.run([SLUICE_BIN, "sim", "--listen", f"127.0.0.1:{free_port()}", *args],
                       capture_output=True, text=True, timeout=20)
    return p.returncode, p.stderr


def test_keys_of_one_account_share_its_limits(sim, tmp_path):
    config = tmp_path / "sim.yaml"
    config.write_text("""
seed: 4
answer: {min_tokens: 3, max_tokens: 3}
accounts:
  - name: team-a
    keys: [key-1, key-2]
    models:
      qwen3-max: {rpm: 2}
      qwen-plus:
  - {key: key-3, models: {qwen3-max: {rpm: 1}}}
""")
    s = sim("--config", str(config), accounts=0, model=None)
    assert chat(s.url, key="key-1").status_code == 200
    assert chat(s.url, key="key-2").status_code == 200
    assert chat(s.url, key="key-1").status_code == 429
    assert chat(s.url, key="key-2", model="qwen-plus").status_code == 200
    assert chat(s.url, key="key-3").status_code == 200
    assert chat(s.url, key="key-3", model="qwen-plus").status_code == 404
    team = stats(s.url)["accounts"]["team-a"]["models"]
    assert team["qwen3-max"]["accepted"] == 2 and team["qwen-plus"]["accepted"] == 1
    r = httpx.get(s.url + "/v1/models", headers={"authorization": "Bearer key-3"})
    assert [m["id"] for m in r.json()["data"]] == ["qwen3-max"]


def test_accounts_flag_makes_sim_keys(sim):
    s = sim(accounts=3)
    assert chat(s.url, key="sim-2").status_code == 200
    assert chat(s.url, key="sim-3").status_code == 401
    assert sorted(stats(s.url)["accounts"]) == ["sim-0", "sim-1", "sim-2"]


def test_invalid_yaml_field_is_named(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("""
accounts:
  - {key: a}
  - {key: b}
  - {key: c, models: {qwen3-max: {rpm: -1}}}
""")
    code, err = run_sim_expecting_failure("--config", str(config))
    assert code == 2
    assert "accounts[2].models.qwen3-max.rpm: must be a non-negative integer" in err


def test_invalid_model_flag_is_named():
    code, err = run_sim_expecting_failure("--model", "qwen3-max:rpm=lots")
    assert code == 2
    assert "--model qwen3-max:rpm=lots: rpm: must be a non-negative integer" in err


def test_a_negative_account_count_is_refused_not_a_crash():
    code, err = run_sim_expecting_failure("--accounts", "-1")
    assert code not in (0, 134) and code > 0
    assert "--accounts" in err


def test_missing_config_file_is_an_error(tmp_path):
    code, err = run_sim_expecting_failure("--config", str(tmp_path / "absent.yaml"))
    assert code == 2
    assert "cannot read" in err


def test_sigterm_stops_promptly_even_with_a_hung_request(sim):
    s = sim("--faults", "hang=1")
    port = int(s.url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(raw_post(port, "/v1/chat/completions", {"model": "qwen3-max", "messages": HELLO}))
    deadline = time.monotonic() + 5
    while stats(s.url)["accounts"]["sim-0"]["in_flight"] != 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    start = time.monotonic()
    assert s.stop(timeout=10) == 0
    assert time.monotonic() - start < 5
    sock.close()
