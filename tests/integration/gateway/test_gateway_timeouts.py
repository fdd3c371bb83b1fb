"""Upstream timeouts and failover against the simulator's faults (hang, 5xx, reset, a paced stream)
and a scripted upstream whose first event comes after its response head."""
import json
import time

import pytest

from gwhttp import (MESSAGES, ScriptedUpstream, channel, chat, config, metric_value, metrics,
                    sim_faults, sse_events)
from sluice_testing import start_gateway, start_sim

# Short, so that each test takes well under a second per timeout.
TIMEOUTS = "timeouts: {connect: 1s, first_byte: 300ms, idle: 300ms}\n"


@pytest.fixture
def healthy(tmp_path, processes):
    s = start_sim(tmp_path)
    processes.append(s)
    return s


def faulty_gateway(tmp_path, processes, healthy, faults, timeouts=TIMEOUTS):
    """A gateway whose preferred channel (priority 1) is a sim with `faults`, and a healthy one."""
    bad = start_sim(tmp_path, "--faults", faults)
    processes.append(bad)
    g = start_gateway(tmp_path, config(channel("faulty", bad.url, priority=1),
                                       channel("healthy", healthy.url), extra=timeouts))
    processes.append(g)
    return g, bad


@pytest.mark.parametrize("faults,kind", [("hang=1", "first_byte_timeout"),
                                         ("slow_first_byte=1,slow_first_byte_ms=2000",
                                          "first_byte_timeout"),
                                         ("error_5xx=1", "status_500"),
                                         ("error_5xx=1,error_status=503", "status_503"),
                                         ("reset=1", "reset_before_head")])
@pytest.mark.parametrize("stream", [False, True])
def test_failure_before_any_byte_fails_over_to_a_healthy_channel(tmp_path, processes, healthy,
                                                                  faults, kind, stream):
    g, bad = faulty_gateway(tmp_path, processes, healthy, faults)
    for _ in range(3):
        r = chat(g.url, {"model": "qwen3-max", "messages": MESSAGES, "stream": stream})
        assert r.status_code == 200, r.text
        if stream:
            assert sse_events(r.text)[-1] == "[DONE]"
        else:
            assert r.json()["choices"][0]["message"]["content"]
    injected = sum(sim_faults(bad.url).values())
    assert injected >= 1  # the faulty channel was tried first
    text = metrics(g.url)
    assert metric_value(text, f'sluice_upstream_errors_total{{channel="faulty",kind="{kind}"}}') \
        == injected
    assert metric_value(text, 'sluice_upstream_first_byte_seconds_count{channel="healthy"}') == 3
    assert 'sluice_upstream_first_byte_seconds_bucket{channel="healthy",le="+Inf"} 3' in text
    assert 'sluice_requests_total{route="/v1/chat/completions",status="200",model="qwen3-max"} 3' \
        in text


def test_single_hanging_channel_answers_504_gateway_timeout(tmp_path, processes):
    hang = start_sim(tmp_path, "--faults", "hang=1")
    processes.append(hang)
    g = start_gateway(tmp_path, config(channel("stuck", hang.url), extra=TIMEOUTS))
    processes.append(g)
    r = chat(g.url)
    assert r.status_code == 504
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "server_error" and error["code"] == "gateway_timeout"
    assert error["param"] is None
    assert "first_byte_timeout" in error["message"]
    assert r.headers["x-request-id"]
    # And the gateway still answers, after the first-byte timeout (300ms), not the default
    # minute. Timed on this second request: the first a gateway serves also loads the model's
    # tokenizer, seconds of a loaded machine under AddressSanitizer.
    started = time.monotonic()
    r = chat(g.url)
    elapsed = time.monotonic() - started
    assert r.status_code == 504 and "first_byte_timeout" in r.json()["error"]["message"]
    assert 0.3 <= elapsed < 5


def test_idle_stall_mid_stream_ends_with_an_error_event_and_no_done(tmp_path, processes):
    # Two tokens a second: the second content chunk comes 500 ms after the first, past idle 300ms.
    paced = start_sim(tmp_path, "--tps", "2", "--answer-tokens", "6")
    processes.append(paced)
    g = start_gateway(tmp_path, config(channel("paced", paced.url), extra=TIMEOUTS))
    processes.append(g)
    r = chat(g.url, {"model": "qwen3-max", "messages": MESSAGES, "stream": True})
    assert r.status_code == 200  # the stream had started
    events = sse_events(r.text)
    assert "[DONE]" not in events
    chunks = [json.loads(e) for e in events]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"  # what came before the stall
    error = chunks[-1]["error"]
    assert error["type"] == "server_error" and "idle_timeout" in error["message"]
    assert metric_value(metrics(g.url),
                        'sluice_upstream_errors_total{channel="paced",kind="idle_timeout"}') == 1


def test_total_timeout_ends_a_steady_stream_with_an_error_event(tmp_path, processes):
    # Five tokens a second never stall past idle, but fifteen of them (3 s) outlast total: 1500ms.
    # The first event comes at once, so the stream has started long before the total timeout,
    # even on a machine that holds the gateway back for most of a second.
    paced = start_sim(tmp_path, "--tps", "5", "--answer-tokens", "15")
    processes.append(paced)
    g = start_gateway(tmp_path, config(channel("paced", paced.url),
                                       extra="timeouts: {idle: 5s, total: 1500ms}\n"))
    processes.append(g)
    # The total time counts from the request's arrival, and the first request a gateway serves
    # also loads the model's tokenizer (half a second of CPU under AddressSanitizer): on a loaded
    # machine the first event can come later than the total time. The gateway then rightly
    # answers 504 before the stream started; the scenario is played again until a stream had
    # started, up to three times (a third timeout in a row opens the channel's breaker).
    for _ in range(3):
        r = chat(g.url, {"model": "qwen3-max", "messages": MESSAGES, "stream": True})
        if r.status_code != 504 or "total_timeout" not in r.text:
            break
    assert r.status_code == 200, r.text  # the stream had started
    events = sse_events(r.text)
    assert json.loads(events[0])["choices"][0]["delta"]["role"] == "assistant"
    assert "[DONE]" not in events
    assert "total_timeout" in json.loads(events[-1])["error"]["message"]


def stream_from_a_late_first_event(tmp_path, processes, delay, timeouts):
    """A streamed chat through an upstream that sends its head at once, its first event after
    `delay` seconds."""
    upstream = ScriptedUpstream(first_event_delay=delay)
    processes.append(upstream)
    g = start_gateway(tmp_path, config(channel("thinker", upstream.url),
                                       extra=f"timeouts: {timeouts}\n"))
    processes.append(g)
    return chat(g.url, {"model": "qwen3-max", "messages": MESSAGES, "stream": True})


def test_first_event_after_an_early_head_waits_for_first_byte_not_idle(tmp_path, processes):
    # The first event after 600 ms: within first_byte (3s) but past idle (300ms). The wait for the
    # first event is the first-byte timeout's.
    r = stream_from_a_late_first_event(tmp_path, processes, 0.6, "{first_byte: 3s, idle: 300ms}")
    assert r.status_code == 200, r.text
    events = sse_events(r.text)
    assert events[-1] == "[DONE]"
    assert "".join(json.loads(e)["choices"][0]["delta"]["content"] for e in events[:-1]) == "Hello"


def test_first_event_later_than_first_byte_timeout_is_a_504(tmp_path, processes):
    r = stream_from_a_late_first_event(tmp_path, processes, 1.5, "{first_byte: 400ms, idle: 5s}")
    assert r.status_code == 504
    assert "first_byte_timeout" in r.json()["error"]["message"]
