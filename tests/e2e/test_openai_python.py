"""End to end with the official OpenAI Python SDK, unchanged but for base_url and api_key."""
import openai
import pytest

from sluice_testing import free_port, start_gateway, start_sim

KEY = "sk-e2e-python"


@pytest.fixture
def client(tmp_path, processes):
    sim = start_sim(tmp_path)
    processes.append(sim)
    cut = start_sim(tmp_path, "--faults", "stream_cut=1")
    processes.append(cut)
    config = f"""channels:
  - name: sim0
    base_url: {sim.url}/v1
    api_key: sim-0
    models: [qwen3-max]
  - name: cutter
    base_url: {cut.url}/v1
    api_key: sim-0
    models: {{qwen-cut: {{upstream_model: qwen3-max}}}}
keys:
  - key: {KEY}
    name: e2e
"""
    gateway = start_gateway(tmp_path, config)
    processes.append(gateway)
    return openai.OpenAI(base_url=gateway.url + "/v1", api_key=KEY, max_retries=0)


MESSAGES = [{"role": "user", "content": "Explain token buckets in one line."}]


def test_plain_completion(client):
    r = client.chat.completions.create(model="qwen3-max", messages=MESSAGES, max_tokens=12)
    assert r.choices[0].message.content
    assert 0 < r.usage.completion_tokens <= 12
    assert r.usage.prompt_tokens > 0


def test_streamed_completion_with_usage(client):
    stream = client.chat.completions.create(model="qwen3-max", messages=MESSAGES, stream=True,
                                            stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_streamed_completion_without_usage_has_no_usage_chunk(client):
    chunks = list(client.chat.completions.create(model="qwen3-max", messages=MESSAGES, stream=True))
    assert chunks and all(c.choices for c in chunks)


def test_models_list(client):
    assert sorted(m.id for m in client.models.list()) == ["qwen-cut", "qwen3-max"]


def test_models_retrieve(client):
    model = client.models.retrieve("qwen3-max")
    assert (model.id, model.object) == ("qwen3-max", "model")
    with pytest.raises(openai.NotFoundError) as missing:
        client.models.retrieve("no-such-model")
    assert missing.value.code == "model_not_found"


def test_errors_surface_as_sdk_exceptions(client):
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="no-such-model", messages=MESSAGES)
    assert missing.value.status_code == 404 and missing.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(model="qwen3-max", messages=[])
    assert bad.value.status_code == 400
    wrong = openai.OpenAI(base_url=str(client.base_url), api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as auth:
        wrong.chat.completions.create(model="qwen3-max", messages=MESSAGES)
    assert auth.value.status_code == 401 and auth.value.code == "invalid_api_key"


def test_request_id_round_trip(client):
    raw = client.chat.completions.with_raw_response.create(
        model="qwen3-max", messages=MESSAGES, extra_headers={"x-request-id": "e2e-rid-7"})
    assert raw.headers["x-request-id"] == "e2e-rid-7"
    assert raw.parse().choices


def test_stream_cut_midway_raises_instead_of_ending_cleanly(client):
    stream = client.chat.completions.create(model="qwen-cut", messages=MESSAGES, stream=True,
                                            max_tokens=64)
    with pytest.raises(openai.APIError) as broken:
        for _ in stream:
            pass
    assert "broke off" in str(broken.value)
