import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { describe, it } from "node:test";

import { createClient } from "../src/index.js";
import { CHAT, collect, mockFetch, problemResponse, sseBody, sseResponse } from "./helpers.js";

const DELTA = 'event: delta\ndata: {"content":"a"}\n\n';
const DONE = 'event: done\ndata: {"finish_reason":"stop","model":"echo"}\n\n';

describe("cancelling a stream", () => {
  it("an AbortSignal stops a running stream: the fetch is aborted and the iteration rejects", async () => {
    const controller = new AbortController();
    let fetchSignal: AbortSignal | null | undefined;
    const fetch = mockFetch(({ init }) => {
      fetchSignal = init.signal;
      return sseResponse(sseBody([DELTA], { hang: true, signal: init.signal }));
    });
    const seen: string[] = [];
    await assert.rejects(
      async () => {
        for await (const event of createClient({ baseUrl: "http://api.test", fetch }).streamChat(CHAT, {
          signal: controller.signal,
        })) {
          seen.push(event.event);
          controller.abort();
        }
      },
      { name: "AbortError" },
    );
    assert.deepEqual(seen, ["delta"]);
    assert.equal(fetchSignal?.aborted, true);
  });

  it("an already aborted signal sends nothing", async () => {
    const fetch = mockFetch(() => sseResponse(sseBody([DELTA])));
    const stream = createClient({ baseUrl: "http://api.test", fetch }).streamChat(CHAT, {
      signal: AbortSignal.abort(),
    });
    await assert.rejects(collect(stream), { name: "AbortError" });
    assert.equal(fetch.calls.length, 0);
  });

  it("breaking out of the loop cancels the body, so the connection closes", async () => {
    let cancelled = false;
    const fetch = mockFetch(() =>
      sseResponse(sseBody([DELTA, DELTA], { hang: true, onCancel: () => (cancelled = true) })),
    );
    for await (const event of createClient({ baseUrl: "http://api.test", fetch }).streamChat(CHAT)) {
      assert.equal(event.event, "delta");
      break;
    }
    assert.equal(cancelled, true);
  });

  it("a signal reused across many streams keeps no listener once each stream has ended", async () => {
    const controller = new AbortController();
    const bodies = [
      () => sseResponse(sseBody([DELTA, DONE])), // ends at done
      () => sseResponse(sseBody([DELTA])), // truncated
      () => sseResponse(sseBody([DELTA, DELTA], { hang: true })), // the caller breaks out
      () => problemResponse(400), // an error status
    ];
    let index = 0;
    const fetch = mockFetch(() => (bodies[index % bodies.length] ?? bodies[0]!)());
    const client = createClient({ baseUrl: "http://api.test", fetch, maxRetries: 0 });
    for (index = 0; index < bodies.length * 3; index++) {
      try {
        for await (const _ of client.streamChat(CHAT, { signal: controller.signal })) {
          if (index % bodies.length === 2) break;
        }
      } catch {
        // The truncated and error-status streams reject; only the listeners matter here.
      }
      assert.equal(getEventListeners(controller.signal, "abort").length, 0, `after stream ${index}`);
    }
    assert.equal(fetch.calls.length, bodies.length * 3);
  });

  it("a retried stream's request leaves no listener on the caller's signal", async () => {
    const controller = new AbortController();
    const fetch = mockFetch((_, attempt) =>
      attempt < 2 ? problemResponse(503, { "retry-after": "0" }) : sseResponse(sseBody([DONE])),
    );
    await collect(createClient({ baseUrl: "http://api.test", fetch }).streamChat(CHAT, { signal: controller.signal }));
    assert.equal(fetch.calls.length, 3);
    assert.equal(getEventListeners(controller.signal, "abort").length, 0);
  });

  it("the request is sent only when iteration starts", async () => {
    const fetch = mockFetch(() => sseResponse(sseBody([DELTA, DONE])));
    const stream = createClient({ baseUrl: "http://api.test", fetch }).streamChat(CHAT);
    assert.equal(fetch.calls.length, 0);
    await collect(stream);
    assert.equal(fetch.calls.length, 1);
  });
});
