"""HTTPS upstreams: a TLS front (a local CA's certificate) relaying to `sluice sim`, trusted through
a channel's ca_file and refused against the system store; and ca_file validation."""
import json
import ssl
import subprocess

import pytest

from gwhttp import (KEY, MESSAGES, Relay, SizedUpstream, channel, chat, config, make_certificates,
                    metrics, sse_events)
from sluice_testing import SLUICE_BIN, start_gateway, start_sim


@pytest.fixture
def tls_sim(tmp_path, processes):
    """(relay, ca.pem): `sluice sim` behind a TLS front whose certificate a test CA signed."""
    ca, cert, key = make_certificates(tmp_path)
    sim = start_sim(tmp_path)
    processes.append(sim)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    relay = Relay(int(sim.url.rsplit(":", 1)[1]), context)
    processes.append(relay)
    return relay, ca


def test_https_channel_trusting_its_ca_file_answers_plain_and_streamed(tmp_path, processes,
                                                                       tls_sim):
    relay, ca = tls_sim
    g = start_gateway(tmp_path, config(channel("tls", relay.url, ca_file=ca)))
    processes.append(g)
    plain = chat(g.url, {"model": "qwen3-max", "messages": MESSAGES, "max_tokens": 8})
    assert plain.status_code == 200, plain.text
    assert plain.json()["usage"]["completion_tokens"] > 0
    streamed = chat(g.url, {"model": "qwen3-max", "messages": MESSAGES, "stream": True})
    assert streamed.status_code == 200
    events = sse_events(streamed.text)
    assert events[-1] == "[DONE]"
    assert "".join(json.loads(e)["choices"][0]["delta"].get("content") or ""
                   for e in events[:-1])
    assert relay.connections >= 1  # the answers did come through the TLS front


def test_https_channel_relays_sized_answers_in_pieces_over_one_connection(tmp_path, processes):
    ca, cert, key = make_certificates(tmp_path)
    upstream = SizedUpstream()
    processes.append(upstream)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    relay = Relay(upstream.port, context)
    processes.append(relay)
    g = start_gateway(tmp_path, config(channel("tls", relay.url, ca_file=ca), extra="threads: 1\n"))
    processes.append(g)
    for _ in range(2):
        r = chat(g.url)
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"] == "Hello in pieces."
    assert relay.connections == 1


def test_https_channel_against_the_system_store_is_a_502_and_the_server_keeps_serving(
        tmp_path, processes, tls_sim):
    relay, _ = tls_sim
    plain_sim = start_sim(tmp_path)
    processes.append(plain_sim)
    g = start_gateway(tmp_path, config(channel("untrusted", relay.url),
                                       channel("plain", plain_sim.url,
                                               models="{qwen-plus: {upstream_model: qwen3-max}}")))
    processes.append(g)
    refused = chat(g.url)
    assert refused.status_code == 502
    assert refused.json()["error"]["type"] == "server_error"
    assert refused.json()["error"]["code"] == "bad_gateway"
    assert 'sluice_upstream_errors_total{channel="untrusted",kind="connect"} 1' in metrics(g.url)
    assert chat(g.url, {"model": "qwen-plus", "messages": MESSAGES}).status_code == 200
    assert chat(g.url).status_code == 502  # refused again, not stuck


def check(tmp_path, text):
    path = tmp_path / "check.yaml"
    path.write_text(text)
    return subprocess.run([SLUICE_BIN, "check", "--config", str(path)], capture_output=True,
                          text=True, timeout=20)


def test_check_rejects_a_ca_file_that_holds_no_pem_certificate(tmp_path):
    not_pem = tmp_path / "not-a-cert.pem"
    not_pem.write_text("just some text\n")
    result = check(tmp_path, config(channel("tls", "https://127.0.0.1:1", ca_file=not_pem)))
    assert result.returncode == 2
    assert f"channels[0].ca_file: not a PEM certificate file" in result.stderr


def test_check_rejects_a_damaged_pem_certificate_naming_the_field(tmp_path):
    damaged = tmp_path / "damaged.pem"
    damaged.write_text("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
                       "-----END CERTIFICATE-----\n")
    result = check(tmp_path, config(channel("ok", "http://127.0.0.1:1"),
                                    channel("tls", "https://127.0.0.1:1", ca_file=damaged)))
    assert result.returncode == 2
    assert "channels[1].ca_file: not a PEM certificate file" in result.stderr


def test_check_accepts_a_real_ca_file(tmp_path):
    ca, _, _ = make_certificates(tmp_path)
    result = check(tmp_path, config(channel("tls", "https://127.0.0.1:1", ca_file=ca)))
    assert result.returncode == 0, result.stderr
    assert "configuration ok: 1 channel(s)" in result.stdout
