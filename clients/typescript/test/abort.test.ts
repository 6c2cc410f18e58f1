import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createClient } from "../src/index.js";
import { CHAT, collect, mockFetch, sseBody, sseResponse } from "./helpers.js";

const DELTA = 'event: delta\ndata: {"content":"a"}\n\n';

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

  it("the request is sent only when iteration starts", async () => {
    const fetch = mockFetch(() => sseResponse(sseBody([DELTA])));
    const stream = createClient({ baseUrl: "http://api.test", fetch }).streamChat(CHAT);
    assert.equal(fetch.calls.length, 0);
    await collect(stream);
    assert.equal(fetch.calls.length, 1);
  });
});
