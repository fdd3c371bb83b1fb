"""Streams an upstream frames or ends in less common ways, relayed and billed as a production
gateway must: lone-CR line endings, events of several data lines the gateway rewrites, an error
event inside the stream, usage reported early by a stream that then breaks, and a whole JSON
answer to a stream request."""
import json

import httpx
import openai
import pytest

from gwhttp import KEY, MESSAGES, BytesUpstream, channel, config
from sluice_testing import start_gateway, wait_until

STREAM = {"model": "qwen3-max", "messages": MESSAGES, "stream": True}


def chunk(content=None, usage=None, finish=None, choices=True):
    c = {"id": "chatcmpl-b", "object": "chat.completion.chunk", "created": 0, "model": "qwen3-max",
         "choices": []}
    if choices:
        c["choices"] = [{"index": 0, "delta": {"content": content} if content else {},
                         "finish_reason": finish}]
    if usage:
        c["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                      "total_tokens": usage[0] + usage[1]}
    return json.dumps(c)


def events(text):
    """The data of each event, as a client joins its data lines."""
    out = []
    for block in text.replace("\r\n", "\n").replace("\r", "\n").split("\n\n"):
        data = [line[5:].removeprefix(" ") for line in block.split("\n") if line.startswith("data:")]
        if data:
            out.append("\n".join(data))
    return out


@pytest.fixture
def gateway_for(tmp_path, processes):
    def start(answer, api_key="sim-0"):
        upstream = BytesUpstream(answer)
        processes.append(upstream)
        g = start_gateway(tmp_path, config(channel("bytes", upstream.url, key=api_key)))
        processes.append(g)
        return g
    return start


def post(g, body, request_id):
    return httpx.post(g.url + "/v1/chat/completions", json=body, timeout=20,
                      headers={"authorization": f"Bearer {KEY}", "x-request-id": request_id})


def logged(g, request_id):
    found = []

    def line():
        for text in g.output().splitlines():
            if text.startswith("{") and json.loads(text)["request_id"] == request_id:
                found.append(json.loads(text))
                return True
        return False

    wait_until(line)
    return found[0]


def test_a_stream_of_lone_carriage_returns_ends_cleanly(gateway_for):
    body = b"".join(b"data: %s\r\r" % e.encode()
                    for e in (chunk("Hel"), chunk("lo", finish="stop"), chunk(usage=(5, 2),
                                                                             choices=False)))
    g = gateway_for(lambda request: ("text/event-stream", body + b"data: [DONE]\r\r"))
    r = post(g, STREAM, "cr-1")
    assert r.status_code == 200
    data = events(r.text)
    assert data[-1] == "[DONE]"
    assert "".join(json.loads(d)["choices"][0]["delta"].get("content", "") for d in data[:-1]) \
        == "Hello"
    assert not any("error" in json.loads(d) for d in data[:-1])
    line = logged(g, "cr-1")
    assert (line["status"], line["completion_tokens"]) == (200, 2)


@pytest.mark.parametrize("ending", [b"\n", b""])
def test_a_stream_whose_done_lacks_its_blank_line_is_whole(gateway_for, ending):
    # Some upstreams close right after "data: [DONE]", without the blank line that ends it.
    body = b"".join(b"data: %s\n\n" % e.encode()
                    for e in (chunk("Hel"), chunk("lo", finish="stop"), chunk(usage=(5, 2),
                                                                             choices=False)))
    g = gateway_for(lambda request: ("text/event-stream", body + b"data: [DONE]" + ending))
    r = post(g, STREAM, "done-1")
    assert r.status_code == 200
    assert r.text.endswith("data: [DONE]\n\n")  # ended for the client
    assert not any(d != "[DONE]" and "error" in json.loads(d) for d in events(r.text))
    line = logged(g, "done-1")
    assert (line["status"], line["completion_tokens"]) == (200, 2)
    assert "upstream_error" not in line
    client = openai.OpenAI(base_url=g.url + "/v1", api_key=KEY, max_retries=0)
    chunks = list(client.chat.completions.create(model="qwen3-max", messages=MESSAGES,
                                                 stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello"


def test_an_event_of_several_data_lines_that_the_gateway_rewrites_stays_one_event(gateway_for):
    # The usage rides on the last chunk with choices, so the gateway takes it out for a client
    # that did not ask for it; the chunk's JSON is split over two data lines.
    last = chunk("lo", usage=(5, 2), finish="stop")
    cut = last.index(', "choices"')
    body = (b"event: chunk\nid: 1\ndata: %s\n\n" % chunk("Hel").encode() +
            b"event: chunk\nid: 2\ndata: %s\ndata: %s\n\n" % (last[:cut].encode(),
                                                               last[cut:].encode()) +
            b"data: [DONE]\n\n")
    g = gateway_for(lambda request: ("text/event-stream", body))
    r = post(g, STREAM, "multi-1")
    assert r.status_code == 200
    data = events(r.text)
    chunks = [json.loads(d) for d in data[:-1]]  # every event is whole JSON
    assert "".join(c["choices"][0]["delta"]["content"] for c in chunks) == "Hello"
    assert "usage" not in chunks[-1]
    assert "id: 2" in r.text and r.text.count("event: chunk") == 2


def test_an_error_event_in_the_stream_fails_the_request_and_is_the_only_error(gateway_for):
    error = json.dumps({"error": {"message": "overloaded", "type": "server_error",
                                  "code": "overloaded"}})
    body = b"data: %s\n\ndata: %s\n\ndata: [DONE]\n\n" % (chunk("Hel").encode(), error.encode())
    g = gateway_for(lambda request: ("text/event-stream", body))
    r = post(g, STREAM, "err-1")
    errors = [d for d in events(r.text) if d != "[DONE]" and "error" in json.loads(d)]
    assert [json.loads(e)["error"]["message"] for e in errors] == ["overloaded"]
    line = logged(g, "err-1")
    assert line["status"] == 502
    assert line["upstream_error"] == "error_event"


def test_a_stream_that_reported_usage_early_then_broke_bills_what_it_streamed(gateway_for):
    words = " ".join(f"word{i}" for i in range(40))
    body = (b"data: %s\n\n" % chunk(usage=(11, 0), choices=True, content="Start").encode() +
            b"data: %s\n\n" % chunk(words).encode())  # then the connection closes: no [DONE]
    g = gateway_for(lambda request: ("text/event-stream", body))
    r = post(g, STREAM, "early-1")
    assert r.status_code == 200  # the head had gone; the stream ends with an error event
    assert "broke off" in events(r.text)[-1]
    line = logged(g, "early-1")
    assert line["status"] == 502
    assert line["prompt_tokens"] == 11  # the upstream's own count
    assert line["completion_tokens"] >= 40  # what was streamed, not the early report's 0


def test_a_json_answer_to_a_stream_request_reaches_the_sdk_as_a_stream_and_is_billed(
        gateway_for):
    answer = {"id": "chatcmpl-j", "object": "chat.completion", "created": 0, "model": "qwen3-max",
              "choices": [{"index": 0, "finish_reason": "stop",
                           "message": {"role": "assistant", "content": "Whole answer."}}],
              "usage": {"prompt_tokens": 11, "completion_tokens": 22, "total_tokens": 33}}
    g = gateway_for(lambda request: ("application/json", json.dumps(answer).encode()))
    client = openai.OpenAI(base_url=g.url + "/v1", api_key=KEY, max_retries=0)
    stream = client.chat.completions.create(
        model="qwen3-max", messages=MESSAGES, stream=True,
        stream_options={"include_usage": True}, extra_headers={"x-request-id": "json-1"})
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == \
        "Whole answer."
    assert chunks[-1].usage.completion_tokens == 22
    line = logged(g, "json-1")
    assert (line["status"], line["prompt_tokens"], line["completion_tokens"]) == (200, 11, 22)


def test_an_upstream_error_that_quotes_the_channels_key_reaches_the_client_without_it(
        gateway_for):
    secret = "sk-upstream-secret-0123"
    error = {"error": {"message": f"Invalid parameter for key {secret}: temperature",
                       "type": "invalid_request_error", "code": "invalid_parameter"}}
    g = gateway_for(lambda request: (400, "application/json", json.dumps(error).encode()),
                    api_key=secret)
    r = post(g, {"model": "qwen3-max", "messages": MESSAGES}, "redact-1")
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Invalid parameter for key [redacted]: temperature"
    assert secret not in r.text
