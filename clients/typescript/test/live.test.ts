// Against real servers started by tests/clients/typescript/test_typescript_sdk.py:
//   STREAMSPEC_URL            an open server with the echo provider
//   STREAMSPEC_UPSTREAM_URL   a server relaying to the fake upstream (tests/fakes/upstream.py), with
//                             STREAMSPEC_API_KEYS=$STREAMSPEC_API_KEY, STREAMSPEC_UPSTREAM_TIMEOUT=1
//                             and a small STREAMSPEC_MAX_BODY_BYTES (LIVE_MAX_BODY_BYTES)
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  AuthenticationError,
  BadRequestError,
  type ChatRequest,
  ContentTooLargeError,
  type FetchLike,
  GatewayTimeoutError,
  NotFoundError,
  RateLimitError,
  StreamError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
  UpstreamError,
  createClient,
} from "../src/index.js";
import { collect } from "./helpers.js";

const echoUrl = process.env["STREAMSPEC_URL"];
const relayUrl = process.env["STREAMSPEC_UPSTREAM_URL"];
const apiKey = process.env["STREAMSPEC_API_KEY"];
const maxBodyBytes = Number(process.env["LIVE_MAX_BODY_BYTES"] ?? "0");

const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: "user", content }],
  ...extra,
});

function requestId(error: unknown): string | null {
  return typeof error === "object" && error !== null && "requestId" in error ? (error.requestId as string | null) : null;
}

describe("live: every operation against the echo server", { skip: !echoUrl && "STREAMSPEC_URL is not set" }, () => {
  const client = createClient({ baseUrl: echoUrl ?? "" });

  it("getHealth reports ok", async () => {
    const health = await client.getHealth();
    assert.equal(health.status, "ok");
    assert.equal(typeof health.version, "string");
  });

  it("listModels lists echo, and getModel describes it by its path parameter", async () => {
    assert.deepEqual(await client.listModels(), { models: [{ id: "echo", owned_by: "streamspec" }] });
    assert.deepEqual(await client.getModel({ model_id: "echo" }), { id: "echo", owned_by: "streamspec" });
  });

  it("getModel of an unknown model is a NotFoundError naming it", async () => {
    await assert.rejects(client.getModel({ model_id: "no such model" }), (error: unknown) => {
      assert.ok(error instanceof NotFoundError);
      assert.equal(error.status, 404);
      assert.match(error.problem.detail ?? "", /'no such model'/);
      return true;
    });
  });

  it("createChat echoes the last message", async () => {
    const reply = await client.createChat(ask("hello  there, world"));
    assert.equal(reply.message.role, "assistant");
    assert.equal(reply.message.content, "hello  there, world");
    assert.equal(reply.finish_reason, "stop");
  });

  it("streamChat yields deltas that concatenate to the reply, then done", async () => {
    const events = await collect(client.streamChat(ask("hello  there, world")));
    const last = events.at(-1);
    assert.equal(last?.event, "done");
    assert.ok(events.filter((e) => e.event === "delta").length > 1);
    const text = events.map((e) => (e.event === "delta" ? e.data.content : "")).join("");
    assert.equal(text, "hello  there, world");
  });

  it("a schema violation is an UnprocessableEntityError naming the field", async () => {
    await assert.rejects(client.createChat(ask("hi", { temperature: 5 })), (error: unknown) => {
      assert.ok(error instanceof UnprocessableEntityError);
      assert.equal(error.status, 422);
      assert.deepEqual(
        error.problem.errors?.map((e) => e.location),
        ["$.temperature"],
      );
      assert.ok(error.requestId && error.problem.instance?.endsWith(error.requestId));
      return true;
    });
    await assert.rejects(collect(client.streamChat(ask("hi", { temperature: 5 }))), UnprocessableEntityError);
  });

  // The SDK never sends these; a fetch that rewrites the request makes the real server answer them.
  const rewriting = (rewrite: (url: string, init: RequestInit) => [string, RequestInit]): FetchLike =>
    (url, init) => fetch(...rewrite(url, init));

  it("malformed JSON is a BadRequestError", async () => {
    const bad = createClient({ baseUrl: echoUrl ?? "", fetch: rewriting((url, init) => [url, { ...init, body: "{" }]) });
    await assert.rejects(bad.createChat(ask("hi")), BadRequestError);
    await assert.rejects(collect(bad.streamChat(ask("hi"))), BadRequestError);
  });

  it("a body that is not JSON is an UnsupportedMediaTypeError", async () => {
    const asText = createClient({
      baseUrl: echoUrl ?? "",
      fetch: rewriting((url, init) => {
        const headers = new Headers(init.headers);
        headers.set("content-type", "text/plain");
        return [url, { ...init, headers }];
      }),
    });
    await assert.rejects(asText.createChat(ask("hi")), UnsupportedMediaTypeError);
  });

  it("an unknown path is a NotFoundError", async () => {
    const lost = createClient({ baseUrl: echoUrl ?? "", fetch: rewriting((url, init) => [`${url}/nowhere`, init]) });
    await assert.rejects(lost.getHealth(), NotFoundError);
  });
});

describe("live: errors through a server relaying to a faulty upstream", { skip: !relayUrl && "STREAMSPEC_UPSTREAM_URL is not set" }, () => {
  const client = createClient({ baseUrl: relayUrl ?? "", apiKey, maxRetries: 0 });

  it("relays a chat and a stream from the upstream", async () => {
    assert.equal((await client.createChat(ask("hi"))).message.content, "fake reply to: hi");
    const events = await collect(client.streamChat(ask("hi there")));
    const text = events.map((e) => (e.event === "delta" ? e.data.content : "")).join("");
    assert.equal(text, "fake reply to: hi there");
    assert.equal(events.at(-1)?.event, "done");
  });

  it("lists and describes the upstream's models", async () => {
    const { models } = await client.listModels();
    assert.deepEqual(
      models.map((model) => model.id),
      ["fake-small", "fake-large"],
    );
    assert.deepEqual(await client.getModel({ model_id: "fake-large" }), { id: "fake-large", owned_by: "fake" });
  });

  it("a wrong API key is an AuthenticationError; health stays open", async () => {
    const wrong = createClient({ baseUrl: relayUrl ?? "", apiKey: "key-wrong" });
    await assert.rejects(wrong.createChat(ask("hi")), (error: unknown) => {
      assert.ok(error instanceof AuthenticationError);
      assert.equal(error.status, 401);
      assert.equal(error.problem.status, 401);
      assert.ok(requestId(error));
      return true;
    });
    await assert.rejects(collect(wrong.streamChat(ask("hi"))), AuthenticationError);
    assert.equal((await wrong.getHealth()).status, "ok");
  });

  it("the upstream's 429 is a RateLimitError with its Retry-After", async () => {
    await assert.rejects(client.createChat(ask("hi", { model: "fault-429" })), (error: unknown) => {
      assert.ok(error instanceof RateLimitError);
      assert.equal(error.retryAfter, 7);
      return true;
    });
    await assert.rejects(collect(client.streamChat(ask("hi", { model: "fault-429" }))), RateLimitError);
  });

  it("an upstream 500 is an UpstreamError (502)", async () => {
    await assert.rejects(client.createChat(ask("hi", { model: "fault-500" })), UpstreamError);
    await assert.rejects(collect(client.streamChat(ask("hi", { model: "fault-500" }))), UpstreamError);
  });

  it("a stalled upstream is a GatewayTimeoutError (504)", async () => {
    await assert.rejects(client.createChat(ask("hi", { model: "fault-stall" })), GatewayTimeoutError);
  });

  it("a body over the server's limit is a ContentTooLargeError", { skip: !maxBodyBytes }, async () => {
    await assert.rejects(client.createChat(ask("x".repeat(maxBodyBytes + 1))), ContentTooLargeError);
  });

  it("an upstream reset mid-stream ends the stream with a StreamError after the first events", async () => {
    const retrying = createClient({ baseUrl: relayUrl ?? "", apiKey });
    const seen: string[] = [];
    await assert.rejects(
      async () => {
        for await (const event of retrying.streamChat(ask("one two three four", { model: "fault-reset" }))) {
          seen.push(event.event);
        }
      },
      (error: unknown) => {
        assert.ok(error instanceof StreamError);
        assert.equal(error.problem.status, 502);
        assert.ok(error.requestId);
        return true;
      },
    );
    assert.deepEqual(seen, ["delta", "delta"]);
  });

  it("aborting a slow stream stops it at once", async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const started = performance.now();
    await assert.rejects(
      async () => {
        for await (const event of client.streamChat(ask("a b c d e f g h i j", { model: "fault-slow" }), {
          signal: controller.signal,
        })) {
          seen.push(event.event);
          controller.abort();
        }
      },
      { name: "AbortError" },
    );
    assert.deepEqual(seen, ["delta"]);
    assert.ok(performance.now() - started < 1500, "the stream went on after the abort");
  });
});
