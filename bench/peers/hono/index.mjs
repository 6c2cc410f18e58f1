// The Hono on Node peer of scripts/bench: Streamspec's echo endpoints, idiomatic Hono.
// node index.mjs [--port N]
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";

const PIECE = /\S+\s*|\s+/g;
const ROLES = new Set(["system", "user", "assistant"]);

function problem(c, detail) {
  return c.json(
    { type: "about:blank", title: "Unprocessable Content", status: 422, detail },
    422,
    { "content-type": "application/problem+json" },
  );
}

function validate(body) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return "the body must be a JSON object";
  }
  const { messages } = body;
  if (!Array.isArray(messages) || messages.length === 0) {
    return "`messages` must be a non-empty array";
  }
  for (const [index, message] of messages.entries()) {
    if (message === null || typeof message !== "object" || !ROLES.has(message.role)) {
      return `\`messages[${index}].role\` must be system, user or assistant`;
    }
    if (typeof message.content !== "string" || message.content.length === 0) {
      return `\`messages[${index}].content\` must be a non-empty string`;
    }
  }
  return null;
}

async function readRequest(c) {
  let body;
  try {
    body = await c.req.json();
  } catch {
    return { error: "the body is not valid JSON" };
  }
  const error = validate(body);
  return error ? { error } : { body };
}

function replyTo(messages) {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === "user") return messages[i].content;
  }
  return messages[messages.length - 1].content;
}

const countPieces = (text) => (text.match(PIECE) ?? []).length;

function usage(messages, reply) {
  const prompt = messages.reduce((sum, m) => sum + countPieces(m.content), 0);
  const completion = countPieces(reply);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

const app = new Hono();

app.get("/health", (c) => c.json({ status: "ok", server: "hono", node: process.version }));

app.post("/api/chat", async (c) => {
  const { body, error } = await readRequest(c);
  if (error) return problem(c, error);
  const reply = replyTo(body.messages);
  return c.json({
    message: { role: "assistant", content: reply },
    model: "echo",
    finish_reason: "stop",
    usage: usage(body.messages, reply),
  });
});

app.post("/api/chat/stream", async (c) => {
  const { body, error } = await readRequest(c);
  if (error) return problem(c, error);
  const reply = replyTo(body.messages);
  return streamSSE(c, async (stream) => {
    for (const piece of reply.match(PIECE) ?? []) {
      await stream.writeSSE({ event: "delta", data: JSON.stringify({ content: piece }) });
    }
    await stream.writeSSE({
      event: "done",
      data: JSON.stringify({ finish_reason: "stop", model: "echo", usage: usage(body.messages, reply) }),
    });
  });
});

const portFlag = process.argv.indexOf("--port");
const port = portFlag > 0 ? Number(process.argv[portFlag + 1]) : 8000;
serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, (info) => {
  console.log(`listening on ${info.port}`);
});
