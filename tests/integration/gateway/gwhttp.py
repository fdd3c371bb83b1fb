"""Helpers for gateway tests: configuration text, requests, a recording TCP/TLS relay in front of
`sluice sim`, scripted upstreams for timings and pages the simulator cannot produce, and test
certificates."""
import asyncio
import json
import subprocess
import threading

import httpx

KEY = "sk-test-gateway"
MESSAGES = [{"role": "user", "content": "Say hello to the pool."}]


def channel(name, url, key="sim-0", models="[qwen3-max]", **fields):
    """One `channels:` entry; `fields` become extra lines (priority=1, ca_file=...)."""
    lines = [f"  - name: {name}", f"    base_url: {url}/v1", f"    api_key: {key}",
             f"    models: {models}"]
    lines += [f"    {k}: {v}" for k, v in fields.items()]
    return "\n".join(lines)


def config(*channels, extra="", key=KEY, key_name="gw-test"):
    return ("channels:\n" + "\n".join(channels) + "\n" +
            f"keys:\n  - key: {key}\n    name: {key_name}\n" + extra)


def chat(url, body=None, key=KEY, **kw):
    body = body or {"model": "qwen3-max", "messages": MESSAGES}
    headers = {"authorization": f"Bearer {key}", **kw.pop("headers", {})}
    return httpx.post(url + "/v1/chat/completions", json=body, headers=headers,
                      timeout=kw.pop("timeout", 20), **kw)


def sse_events(text):
    return [block[len("data: "):] for block in text.split("\n\n") if block.startswith("data: ")]


def metrics(url):
    return httpx.get(url + "/metrics").text


def metric_value(text, prefix):
    """The value of the first sample line that starts with `prefix`, or None."""
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return None


def sim_faults(url):
    stats = httpx.get(url + "/__sim/stats").json()
    totals = {}
    for account in stats["accounts"].values():
        for model in account["models"].values():
            for kind, n in model["faults"].items():
                totals[kind] = totals.get(kind, 0) + n
    return totals


class _LoopThread:
    """An asyncio loop on its own thread serving one listener; stop() ends both."""

    def __init__(self, handler, ssl_context=None):
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self._error = None

        def run():
            asyncio.set_event_loop(self.loop)
            # Refused TLS handshakes are what some tests cause on purpose: nothing to report.
            self.loop.set_exception_handler(lambda loop, context: None)
            try:
                self.server = self.loop.run_until_complete(
                    asyncio.start_server(handler, "127.0.0.1", 0, ssl=ssl_context))
            except Exception as e:  # surfaced to the test by the constructor
                self._error = e
                started.set()
                return
            self.port = self.server.sockets[0].getsockname()[1]
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        started.wait(10)
        if self._error:
            raise self._error

    def stop(self):
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.server.close)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        return 0


class Relay(_LoopThread):
    """Forwards every connection to 127.0.0.1:target_port, terminating TLS when given an SSL
    context, and records the bytes the gateway sent (to check the headers it forwards)."""

    def __init__(self, target_port, ssl_context=None):
        self.target_port = target_port
        self.sent = bytearray()
        self.connections = 0
        super().__init__(self._serve, ssl_context)
        self.url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{self.port}"

    async def _serve(self, reader, writer):
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        async def pump(src, dst, record):
            try:
                while data := await src.read(65536):
                    if record:
                        self.sent += data
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False))


async def read_json_request(reader):
    """The next request on a connection (Content-Length framed, as the gateway sends them): its
    JSON body."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return json.loads(await reader.readexactly(length))


class ScriptedUpstream(_LoopThread):
    """An OpenAI-like upstream that sends the SSE response head at once and the events only after
    `first_event_delay` seconds: a model that accepted the request and is still thinking. With
    `usage_on_last`, the usage a request asks for (stream_options.include_usage) rides on the last
    chunk with choices, as some OpenAI-compatible servers send it, not on a chunk of its own."""

    def __init__(self, first_event_delay, usage_on_last=False):
        self.first_event_delay = first_event_delay
        self.usage_on_last = usage_on_last
        super().__init__(self._serve)
        self.url = f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader, writer):
        try:
            while True:
                request = await read_json_request(reader)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                             b"transfer-encoding: chunked\r\n\r\n")
                await writer.drain()
                await asyncio.sleep(self.first_event_delay)  # the behaviour under test
                events = b""
                wants_usage = (request.get("stream_options") or {}).get("include_usage")
                for piece in ["Hel", "lo"]:
                    chunk = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 0,
                             "model": request["model"],
                             "choices": [{"index": 0, "delta": {"content": piece},
                                          "finish_reason": None}]}
                    if piece == "lo" and self.usage_on_last and wants_usage:
                        chunk["choices"][0]["finish_reason"] = "stop"
                        chunk["usage"] = {"prompt_tokens": 5, "completion_tokens": 2,
                                          "total_tokens": 7}
                    events += b"data: " + json.dumps(chunk).encode() + b"\n\n"
                events += b"data: [DONE]\n\n"
                writer.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(events), events))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


class BytesUpstream(_LoopThread):
    """An upstream whose answer bytes a test writes: `answer(request)` returns the content type
    and the body (or the status, content type and body), sent in one write after the head and
    ended by closing the connection (the framing of an answer with neither a length nor chunks).
    What the gateway does with odd streams is then seen byte for byte."""

    def __init__(self, answer):
        self.answer = answer
        super().__init__(self._serve)
        self.url = f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader, writer):
        try:
            request = await read_json_request(reader)
            answer = self.answer(request)
            status, content_type, body = answer if len(answer) == 3 else (200, *answer)
            writer.write(b"HTTP/1.1 %d X\r\ncontent-type: %s\r\nconnection: close\r\n\r\n%s"
                         % (status, content_type.encode(), body))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


class PageUpstream(_LoopThread):
    """An upstream that answers every request with a 404 and a plain-text page, as nginx or a Go
    server without the route does (or one a wrong base_url points at)."""

    PAGE = b"404 page not found\n"

    def __init__(self):
        super().__init__(self._serve)
        self.url = f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader, writer):
        try:
            while True:
                await read_json_request(reader)
                writer.write(b"HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\n"
                             b"content-length: %d\r\n\r\n%s" % (len(self.PAGE), self.PAGE))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


class SizedUpstream(_LoopThread):
    """An OpenAI-like upstream whose plain answers are framed by Content-Length (as nginx and most
    real upstreams frame them; `sluice sim` sends chunked ones), its body written in pieces.
    `mode` bends the framing: "close" adds Connection: close to each answer, then neither reads
    nor closes (a gateway that reused the connection would wait in vain), "cut" closes halfway
    through the body, "stall" stops halfway and waits. `connections` counts the
    connections the gateway opened."""

    def __init__(self, mode="pieces"):
        self.mode = mode
        self.connections = 0
        super().__init__(self._serve)
        self.url = f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader, writer):
        self.connections += 1
        try:
            while True:
                request = await read_json_request(reader)
                body = json.dumps({
                    "id": "chatcmpl-sized", "object": "chat.completion", "created": 0,
                    "model": request["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": "Hello in pieces."}}],
                    "usage": {"prompt_tokens": 7, "completion_tokens": 4, "total_tokens": 11},
                }).encode()
                extra = b"connection: close\r\n" if self.mode == "close" else b""
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                             b"content-length: %d\r\n%s\r\n" % (len(body), extra))
                await writer.drain()
                half = len(body) // 2
                # Pacing, so that the gateway meets the body in more than one read.
                for piece in (body[:10], body[10:half]):
                    await asyncio.sleep(0.02)
                    writer.write(piece)
                    await writer.drain()
                if self.mode == "cut":
                    break
                if self.mode == "stall":
                    await asyncio.sleep(30)
                await asyncio.sleep(0.02)
                writer.write(body[half:])
                await writer.drain()
                if self.mode == "close":
                    await asyncio.sleep(30)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


def make_certificates(directory):
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it, made with the openssl
    command line. Returns (ca.pem, server.pem, server.key) paths."""
    d = directory
    run = lambda *args: subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Sluice Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (d / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    return d / "ca.pem", d / "server.pem", d / "server.key"
