// End to end with the official OpenAI Node SDK, unchanged but for baseURL and apiKey.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';

const bin = process.env.SLUICE_BIN ?? resolve(import.meta.dirname, '../../../build/sluice');
const key = 'sk-e2e-node';
const children = [];
let client;

// `n` distinct free ports: all are held open until every one is picked.
async function freePorts(n) {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => ok(s));
  })));
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

async function startAndWait(args, readyUrl) {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  for (let i = 0; i < 400; i++) {
    try { await fetch(readyUrl); return; } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  throw new Error(`${args[0]} did not become ready at ${readyUrl}`);
}

before(async () => {
  const [simPort, cutPort, gwPort] = await freePorts(3);
  await startAndWait(['sim', '--listen', `127.0.0.1:${simPort}`, '--accounts', '1', '--latency-ms', '0'],
    `http://127.0.0.1:${simPort}/v1/models`);
  // Every answer of this one breaks off halfway (a reset after half the tokens).
  await startAndWait(['sim', '--listen', `127.0.0.1:${cutPort}`, '--accounts', '1', '--latency-ms', '0',
    '--faults', 'stream_cut=1'], `http://127.0.0.1:${cutPort}/v1/models`);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-node-'));
  const config = join(dir, 'sluice.yaml');
  writeFileSync(config, `listen: 127.0.0.1:${gwPort}
storage: sqlite:${join(dir, 'sluice.db')}
channels:
  - name: sim0
    base_url: http://127.0.0.1:${simPort}/v1
    api_key: sim-0
    models: [qwen3-max]
  - name: cutter
    base_url: http://127.0.0.1:${cutPort}/v1
    api_key: sim-0
    models: {qwen-cut: {upstream_model: qwen3-max}}
keys:
  - key: ${key}
    name: node-e2e
`);
  await startAndWait(['serve', '--config', config], `http://127.0.0.1:${gwPort}/healthz`);
  client = new OpenAI({ baseURL: `http://127.0.0.1:${gwPort}/v1`, apiKey: key, maxRetries: 0 });
});

after(() => { for (const c of children.reverse()) c.kill('SIGTERM'); });

const messages = [{ role: 'user', content: 'Name one rate limit.' }];

test('plain completion with usage', async () => {
  const r = await client.chat.completions.create({ model: 'qwen3-max', messages, max_tokens: 10 });
  assert.ok(r.choices[0].message.content.length > 0);
  assert.ok(r.usage.completion_tokens > 0 && r.usage.completion_tokens <= 10);
});

test('streamed completion with usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'qwen3-max', messages, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let usage = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(text.length > 0);
  assert.ok(usage.completion_tokens > 0);
});

test('models list', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids.sort(), ['qwen-cut', 'qwen3-max']);
});

test('models retrieve', async () => {
  const model = await client.models.retrieve('qwen3-max');
  assert.deepEqual([model.id, model.object], ['qwen3-max', 'model']);
  await assert.rejects(client.models.retrieve('nope'),
    (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found');
});

test('errors surface as SDK exception types', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'nope', messages }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404 && e.code === 'model_not_found');
  await assert.rejects(client.chat.completions.create({ model: 'qwen3-max', messages: [] }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && e.type === 'invalid_request_error');
  const wrong = new OpenAI({ baseURL: client.baseURL, apiKey: 'sk-wrong', maxRetries: 0 });
  await assert.rejects(wrong.chat.completions.create({ model: 'qwen3-max', messages }),
    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});

test('request id round trip', async () => {
  const { response } = await client.chat.completions
    .create({ model: 'qwen3-max', messages }, { headers: { 'x-request-id': 'node-rid-9' } })
    .withResponse();
  assert.equal(response.headers.get('x-request-id'), 'node-rid-9');
});

test('streamed completion without usage has no usage chunk', async () => {
  const stream = await client.chat.completions.create({ model: 'qwen3-max', messages, stream: true });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length > 0);
  assert.ok(chunks.every((c) => c.choices.length > 0 && !c.usage));
  assert.ok(chunks.map((c) => c.choices[0].delta.content ?? '').join('').length > 0);
});

test('a stream cut midway raises instead of ending cleanly', async () => {
  const stream = await client.chat.completions.create({
    model: 'qwen-cut', messages, stream: true, max_tokens: 64 });
  let received = 0;
  await assert.rejects(async () => { for await (const chunk of stream) received += chunk.choices.length; },
    (e) => e instanceof OpenAI.APIError && /broke off/.test(e.message));
  assert.ok(received > 0);  // part of the answer came before the error
});
