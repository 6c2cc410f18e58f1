import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  APIConnectionError,
  APITimeoutError,
  BadRequestError,
  GatewayTimeoutError,
  RateLimitError,
  ServiceUnavailableError,
  createClient,
} from "../src/index.js";
import { CHAT, collect, mockFetch, problemResponse, sseBody, sseResponse } from "./helpers.js";

const REPLY = {
  message: { role: "assistant", content: "hi" },
  model: "echo",
  finish_reason: "stop",
};

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
}

describe("retries", () => {
  for (const status of [429, 502, 503, 504]) {
    it(`retries a ${status} and returns the answer that follows`, async () => {
      const fetch = mockFetch((_, attempt) =>
        attempt === 0 ? problemResponse(status, { "retry-after": "0" }) : json(REPLY),
      );
      const reply = await createClient({ baseUrl: "http://api.test", fetch }).createChat(CHAT);
      assert.equal(reply.message.content, "hi");
      assert.equal(fetch.calls.length, 2);
    });
  }

  it("gives up after maxRetries (default 2) and throws the typed error", async () => {
    const fetch = mockFetch(() => problemResponse(503, { "retry-after": "0" }));
    await assert.rejects(
      createClient({ baseUrl: "http://api.test", fetch }).createChat(CHAT),
      ServiceUnavailableError,
    );
    assert.equal(fetch.calls.length, 3);
  });

  it("honours Retry-After before retrying", async () => {
    const fetch = mockFetch((_, attempt) =>
      attempt === 0 ? problemResponse(429, { "retry-after": "1" }) : json(REPLY),
    );
    const started = performance.now();
    await createClient({ baseUrl: "http://api.test", fetch }).createChat(CHAT);
    assert.ok(performance.now() - started >= 950, "waited less than Retry-After");
  });

  it("with maxRetries 0 throws a RateLimitError carrying retryAfter at once", async () => {
    const fetch = mockFetch(() => problemResponse(429, { "retry-after": "7" }));
    await assert.rejects(
      createClient({ baseUrl: "http://api.test", fetch, maxRetries: 0 }).createChat(CHAT),
      (error: unknown) => {
        assert.ok(error instanceof RateLimitError);
        assert.equal(error.status, 429);
        assert.equal(error.retryAfter, 7);
        assert.equal(error.requestId, "req-429");
        return true;
      },
    );
    assert.equal(fetch.calls.length, 1);
  });

  it("never retries a 400", async () => {
    const fetch = mockFetch(() => problemResponse(400));
    await assert.rejects(createClient({ baseUrl: "http://api.test", fetch }).getHealth(), BadRequestError);
    assert.equal(fetch.calls.length, 1);
  });

  it("retries connection errors, then throws APIConnectionError", async () => {
    const fetch = mockFetch(() => Promise.reject(new TypeError("fetch failed")));
    await assert.rejects(
      createClient({ baseUrl: "http://api.test", fetch, maxRetries: 1 }).getHealth(),
      (error: unknown) => error instanceof APIConnectionError && !(error instanceof APITimeoutError),
    );
    assert.equal(fetch.calls.length, 2);
  });

  it("times out a request with no answer as APITimeoutError", async () => {
    const fetch = mockFetch(
      ({ init }) =>
        new Promise<Response>((_, reject) => init.signal?.addEventListener("abort", () => reject(new Error("aborted")))),
    );
    await assert.rejects(
      createClient({ baseUrl: "http://api.test", fetch, maxRetries: 0, timeout: 50 }).getHealth(),
      APITimeoutError,
    );
  });

  it("retries a stream's request until it opens", async () => {
    const fetch = mockFetch((_, attempt) =>
      attempt === 0
        ? problemResponse(504, { "retry-after": "0" })
        : sseResponse(sseBody(['event: done\ndata: {"finish_reason":"stop","model":"m"}\n\n'])),
    );
    const events = await collect(createClient({ baseUrl: "http://api.test", fetch }).streamChat(CHAT));
    assert.deepEqual(
      events.map((e) => e.event),
      ["done"],
    );
    assert.equal(fetch.calls.length, 2);
  });

  it("never sends a stream's request again once it has yielded an event", async () => {
    const fetch = mockFetch(() => {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(new TypeError("terminated"));
          sent = true;
          controller.enqueue(new TextEncoder().encode('event: delta\ndata: {"content":"a"}\n\n'));
        },
      });
      return sseResponse(body);
    });
    await assert.rejects(collect(createClient({ baseUrl: "http://api.test", fetch }).streamChat(CHAT)), APIConnectionError);
    assert.equal(fetch.calls.length, 1);
  });

  it("throws the typed error of a stream that never opens", async () => {
    const fetch = mockFetch(() => problemResponse(504, { "retry-after": "0" }));
    await assert.rejects(
      collect(createClient({ baseUrl: "http://api.test", fetch, maxRetries: 0 }).streamChat(CHAT)),
      GatewayTimeoutError,
    );
  });
});
