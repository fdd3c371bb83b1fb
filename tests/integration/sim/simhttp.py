"""Small HTTP helpers for the simulator's tests."""
import json

import httpx

HELLO = [{"role": "user", "content": "hello world"}]
# "hello world" is 2 tokens; the chat template adds 5 per message and 3 to prime the answer.
HELLO_PROMPT_TOKENS = 2 + 5 + 3


def chat(url, body=None, key="sim-0", path="/v1/chat/completions", timeout=20, **extra):
    body = {"model": "qwen3-max", "messages": HELLO, **(body or {}), **extra}
    headers = {} if key is None else {"authorization": f"Bearer {key}"}
    return httpx.post(url + path, json=body, headers=headers, timeout=timeout)


def stats(url):
    return httpx.get(url + "/__sim/stats", timeout=5).json()


def model_stats(url, account="sim-0", model="qwen3-max"):
    return stats(url)["accounts"][account]["models"][model]


def sse_events(text):
    return [block[len("data: "):] for block in text.split("\n\n") if block.startswith("data: ")]


def error_of(response):
    return response.json()["error"]


def raw_post(port, path, body, key="sim-0"):
    """The request bytes, for tests that watch the connection itself."""
    data = json.dumps(body).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data
