// The Vercel AI SDK's OpenAI-compatible provider against the live server's /v1.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, streamText } from "ai";

const gateway = createOpenAICompatible({
  name: "streamspec",
  baseURL: `${process.env.STREAMSPEC_URL}/v1`,
  apiKey: process.env.STREAMSPEC_API_KEY,
  includeUsage: true,
});
const prompt = "hello  there, world";

test("streamText streams the echo", async () => {
  const result = streamText({ model: gateway("echo"), prompt, maxRetries: 0 });
  let text = "";
  for await (const piece of result.textStream) text += piece;
  assert.equal(text, prompt);
  assert.equal(await result.finishReason, "stop");
  assert.equal((await result.usage).outputTokens, 3);
});

test("generateText answers with the echo", async () => {
  const { text } = await generateText({ model: gateway("echo"), prompt, maxRetries: 0 });
  assert.equal(text, prompt);
});
