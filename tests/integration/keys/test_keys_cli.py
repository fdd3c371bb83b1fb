"""`sluice keys`, `sluice usage` and `sluice plan` against a temporary SQLite file.

Usage rows are written with Python's sqlite3 in the ledger's schema (the gateway's writer is
tested in C++); the CLI must then report them exactly."""
import csv
import hashlib
import io
import json
import os
import pathlib
import sqlite3
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
SLUICE = os.environ.get("SLUICE_BIN", str(REPO / "build" / "sluice"))


def run(*args, check=True):
    p = subprocess.run([SLUICE, *args], capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError(f"sluice {' '.join(args)} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


@pytest.fixture
def db(tmp_path):
    return tmp_path / "sluice.db"


def storage(db):
    return f"sqlite:{db}"


def create(db, *extra):
    return run("keys", "create", "--storage", storage(db), *extra).stdout.strip()


def list_json(db):
    return json.loads(run("keys", "list", "--storage", storage(db), "--format", "json").stdout)


def test_create_prints_the_key_once_and_stores_only_its_hash(db):
    key = create(db, "--name", "team-a", "--budget-usd", "5", "--rpm", "60", "--tpm", "100000",
                 "--models", "qwen3-max,qwen-plus", "--expires", "2099-01-01")
    assert key.startswith("sk-sluice-") and len(key) == 53
    listed = run("keys", "list", "--storage", storage(db))
    assert key not in listed.stdout and key not in listed.stderr
    assert f"sk-sluice-...{key[-4:]}" in listed.stdout
    raw = b"".join(p.read_bytes() for p in db.parent.glob("sluice.db*"))
    assert key[10:].encode() not in raw
    con = sqlite3.connect(db)
    (stored,) = con.execute("SELECT key_hash FROM api_keys").fetchone()
    assert stored == hashlib.sha256(key.encode()).hexdigest()
    [k] = list_json(db)
    assert k["name"] == "team-a"
    assert k["budget_usd"] == 5.0
    assert k["rpm"] == 60 and k["tpm"] == 100000
    assert k["models"] == ["qwen3-max", "qwen-plus"]
    assert k["expires_at"] == "2099-01-01T00:00:00Z"
    assert k["status"] == "active"


def test_two_keys_differ_and_json_output_carries_the_key(db):
    a = json.loads(create(db, "--name", "a", "--format", "json"))
    b = json.loads(create(db, "--name", "b", "--format", "json"))
    assert a["key"] != b["key"]
    assert (a["id"], a["name"]) == (1, "a")
    assert [k["models"] for k in list_json(db)] == [[], []]


def test_duplicate_active_name_is_refused(db):
    create(db, "--name", "a")
    p = run("keys", "create", "--storage", storage(db), "--name", "a", check=False)
    assert p.returncode == 1
    assert "already exists" in p.stderr
    assert p.stdout == ""


def test_revoke_by_name_and_by_id(db):
    create(db, "--name", "a")
    create(db, "--name", "b")
    assert "revoked key 1 'a'" in run("keys", "revoke", "a", "--storage", storage(db)).stdout
    assert "revoked key 2 'b'" in run("keys", "revoke", "2", "--storage", storage(db)).stdout
    assert [k["status"] for k in list_json(db)] == ["revoked", "revoked"]
    p = run("keys", "revoke", "nobody", "--storage", storage(db), check=False)
    assert p.returncode == 1 and "no key" in p.stderr
    create(db, "--name", "a")  # a revoked name can be reused
    assert [k["status"] for k in list_json(db)] == ["revoked", "revoked", "active"]


def test_expired_key_is_listed_as_expired(db):
    create(db, "--name", "old", "--expires", "2020-01-01T12:00Z")
    [k] = list_json(db)
    assert k["status"] == "expired"
    assert k["expires_at"] == "2020-01-01T12:00:00Z"


def test_bad_arguments_name_the_field(db):
    p = run("keys", "create", "--storage", storage(db), "--name", "x", "--expires", "soon",
            check=False)
    assert p.returncode == 2 and "--expires" in p.stderr
    p = run("keys", "create", "--storage", storage(db), "--name", "x", "--rpm", "0", check=False)
    assert p.returncode == 2 and "--rpm" in p.stderr
    p = run("keys", "list", "--storage", "mysql:x", check=False)
    assert p.returncode == 1 and "storage" in p.stderr


DAY = 86_400_000


def insert_usage(db, rows):
    con = sqlite3.connect(db)
    con.executemany(
        "INSERT INTO usage_rows (time_ms, key_id, key_name, requested_model, served_model, channel,"
        " prompt_tokens, completion_tokens, cached_tokens, list_nano_usd, upstream_nano_usd,"
        " charged_nano_usd, status, latency_ms, queue_wait_ms, fallback, request_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, 100, 0, 0, 'r')",
        rows)
    con.commit()
    con.close()


@pytest.fixture
def usage_db(db):
    create(db, "--name", "team-a")
    create(db, "--name", "team-b")
    t0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
    insert_usage(db, [
        # time, key, name, requested, served, channel, prompt, completion, list, upstream, charged, status
        (t0, 1, "team-a", "qwen3-max", "qwen3-max", "acct1", 1000, 500, 4_200_000, 2_100_000,
         3_696_000, 200),
        (t0 + 1000, 1, "team-a", "qwen3-max", "qwen3-max", "acct1", 1000, 500, 4_200_000,
         2_100_000, 3_696_000, 200),
        (t0 + 2000, 2, "team-b", "qwen3-max", "qwen-plus", "acct2", 100, 0, 40_000, 40_000,
         40_000, 429),
        (t0 + DAY + 61_000, 2, "team-b", "qwen-plus", "qwen-plus", "acct2", 300, 100, 240_000,
         240_000, 240_000, 200),
    ])
    return db


def test_usage_by_key_as_json_shows_list_charged_and_saving(usage_db):
    out = json.loads(run("usage", "--storage", storage(usage_db), "--format", "json").stdout)
    assert out["by"] == "key"
    a, b = out["groups"]
    assert a["group"] == "team-a" and a["requests"] == 2 and a["errors"] == 0
    assert a["prompt_tokens"] == 2000 and a["completion_tokens"] == 1000
    assert a["list_usd"] == pytest.approx(0.0084, abs=1e-12)
    assert a["charged_usd"] == pytest.approx(0.007392, abs=1e-12)
    assert a["saving_usd"] == pytest.approx(0.001008, abs=1e-12)
    assert a["upstream_usd"] == pytest.approx(0.0042, abs=1e-12)
    assert b["group"] == "team-b" and b["requests"] == 2 and b["errors"] == 1
    assert out["total"]["requests"] == 4
    assert out["total"]["list_usd"] == pytest.approx(0.00868, abs=1e-12)


def test_usage_by_model_channel_and_day_as_csv(usage_db):
    def groups(by):
        out = run("usage", "--storage", storage(usage_db), "--by", by, "--format", "csv").stdout
        return [(r[by], int(r["requests"])) for r in csv.DictReader(io.StringIO(out))]

    assert groups("model") == [("qwen-plus", 2), ("qwen3-max", 2)]
    assert groups("channel") == [("acct1", 2), ("acct2", 2)]
    assert groups("day") == [("2026-01-01", 3), ("2026-01-02", 1)]


def test_usage_since_filters_rows(usage_db):
    out = json.loads(run("usage", "--storage", storage(usage_db), "--since", "2026-01-02",
                         "--format", "json").stdout)
    assert [(g["group"], g["requests"]) for g in out["groups"]] == [("team-b", 1)]
    out = json.loads(run("usage", "--storage", storage(usage_db), "--since", "1h",
                         "--format", "json").stdout)
    assert out["groups"] == []


def test_usage_table_shows_totals_and_saving(usage_db):
    out = run("usage", "--storage", storage(usage_db)).stdout
    assert out.splitlines()[0].split()[:2] == ["KEY", "REQUESTS"]
    total = next(line for line in out.splitlines() if line.startswith("TOTAL")).split()
    assert total[1] == "4"
    assert total[6:9] == ["0.008680", "0.007672", "0.001008"]
    assert "saving vs list price: 0.001008 USD (11.6%)" in out


def test_usage_peaks_per_model_and_channel(usage_db):
    out = json.loads(run("usage", "--storage", storage(usage_db), "--peaks", "--format",
                         "json").stdout)
    peaks = {(p["model"], p["channel"]): p for p in out["peaks"]}
    assert set(peaks) == {("qwen-plus", "acct2"), ("qwen3-max", "acct1")}
    q = peaks[("qwen3-max", "acct1")]
    assert (q["peak_rpm"], q["peak_tpm"]) == (2, 3000)
    assert q["peak_rpm_at"] == "2026-01-01T00:00:00Z"
    p = peaks[("qwen-plus", "acct2")]
    assert (p["peak_rpm"], p["requests"], p["tokens"]) == (1, 2, 500)
    assert p["peak_tpm_at"] == "2026-01-02T00:01:00Z"


def test_plan_for_qwen3_max_from_builtin_limits():
    out = run("plan", "--model", "qwen3-max", "--rpm", "3000", "--tpm", "5000000").stdout
    assert "needs 5 account(s)" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if line.strip() and line.split()[0].isdigit()}
    assert list(rows) == ["1", "3", "5", "10"]
    assert rows["1"][1:] == ["600", "10", "1000000", "no"]
    assert rows["5"][1:] == ["3000", "50", "5000000", "yes"]
    assert rows["10"][1:] == ["6000", "100", "10000000", "yes"]


def test_plan_with_given_limits_adds_the_needed_pool_size():
    out = json.loads(run("plan", "--model", "my-model", "--rpm", "100", "--tpm", "9000",
                         "--account-rpm", "30", "--account-tpm", "1000", "--format",
                         "json").stdout)
    assert out["accounts_needed"] == 9
    assert out["accounts_needed_for_rpm"] == 4
    assert [p["accounts"] for p in out["pool"]] == [1, 3, 5, 9, 10]
    assert [p["meets_target"] for p in out["pool"]] == [False, False, False, True, True]


def test_plan_for_unknown_model_without_limits_fails():
    p = run("plan", "--model", "nope", "--rpm", "10", check=False)
    assert p.returncode == 2 and "--account-rpm" in p.stderr


def test_commands_that_read_name_a_missing_database_and_create_none(tmp_path):
    missing = tmp_path / "nowhere.db"
    for args in (["keys", "list"], ["keys", "revoke", "x"], ["usage"], ["usage", "--peaks"]):
        p = run(*args, "--storage", f"sqlite:{missing}", check=False)
        assert p.returncode == 1, args
        assert f"no database at {missing}" in p.stderr, args
        assert not missing.exists(), args
    # Creating a key is what makes one.
    run("keys", "create", "--storage", f"sqlite:{missing}", "--name", "first")
    assert "first" in run("keys", "list", "--storage", f"sqlite:{missing}").stdout


def test_a_key_name_that_reads_as_an_id_is_refused(db):
    p = run("keys", "create", "--storage", f"sqlite:{db}", "--name", "2", check=False)
    assert p.returncode != 0 and "must not be a number" in p.stderr


def test_a_key_that_expired_before_it_was_made_is_warned_of_and_a_backwards_range_refused(db):
    p = run("keys", "create", "--storage", f"sqlite:{db}", "--name", "old", "--expires",
            "2001-01-01")
    assert "warning: --expires 2001-01-01 has passed" in p.stderr
    p = run("usage", "--storage", f"sqlite:{db}", "--since", "2026-12-02", "--until", "2026-12-01",
            check=False)
    assert p.returncode == 2 and "--until must be later than --since" in p.stderr
