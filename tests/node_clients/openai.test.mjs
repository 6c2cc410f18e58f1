// The official openai npm SDK against the live server's /v1 (the echo provider).
import assert from "node:assert/strict";
import { test } from "node:test";

import OpenAI from "openai";

const baseURL = `${process.env.STREAMSPEC_URL}/v1`;
const apiKey = process.env.STREAMSPEC_API_KEY;
const prompt = "hello  there, world";
const messages = [{ role: "user", content: prompt }];

test("create returns the echo", async () => {
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  const completion = await client.chat.completions.create({ model: "echo", messages });
  assert.equal(completion.choices[0].message.content, prompt);
  assert.equal(completion.choices[0].finish_reason, "stop");
});

test("streamed deltas concatenate to the echo and the iteration ends", async () => {
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: "echo",
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let usage = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    usage = chunk.usage ?? usage;
  }
  assert.equal(text, prompt);
  assert.equal(usage.completion_tokens, 3);
});

test("models.list names echo", async () => {
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.deepEqual(ids, ["echo"]);
});

test("a wrong key raises AuthenticationError", async () => {
  const client = new OpenAI({ baseURL, apiKey: "key-wrong", maxRetries: 0 });
  await assert.rejects(
    client.chat.completions.create({ model: "echo", messages }),
    OpenAI.AuthenticationError,
  );
});
