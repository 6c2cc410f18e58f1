import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  APIConnectionError,
  StreamError,
  StreamTruncatedError,
  StreamspecError,
  type StreamOperation,
  createClient,
  streamOperations,
} from "../src/index.js";
import { type StreamEvent, decodeEvents, isTerminalEvent } from "../src/streaming.js";
import { CHAT, collect, mockFetch, sseBody, sseResponse } from "./helpers.js";

const DONE = 'event: done\ndata: {"finish_reason":"stop","model":"echo"}\n\n';
const DELTA = 'event: delta\ndata: {"content":"a"}\n\n';
const ERROR = 'event: error\ndata: {"type":"about:blank","title":"Bad Gateway","status":502}\n\n';

function streamOf(chunks: readonly string[], headers: Record<string, string> = {}) {
  const fetch = mockFetch(() => sseResponse(sseBody(chunks), headers));
  return createClient({ baseUrl: "http://api.test", fetch }).streamChat(CHAT);
}

describe("streamChat decodes Server-Sent Events per WHATWG", () => {
  it("yields typed delta and done events in order", async () => {
    const events = await collect(
      streamOf([
        'event: delta\ndata: {"content":"hel"}\n\n',
        'event: delta\ndata: {"content":"lo"}\n\n',
        'event: done\ndata: {"finish_reason":"stop","model":"echo"}\n\n',
      ]),
    );
    assert.deepEqual(events, [
      { event: "delta", data: { content: "hel" } },
      { event: "delta", data: { content: "lo" } },
      { event: "done", data: { finish_reason: "stop", model: "echo" } },
    ]);
  });

  it("joins multi-line data with newlines", async () => {
    const events = await collect(streamOf(['event: delta\ndata: {"content":\ndata:  "two lines"}\n\n', DONE]));
    assert.deepEqual(events.slice(0, -1), [{ event: "delta", data: { content: "two lines" } }]);
  });

  it("accepts CRLF and CR line endings, even split across chunks", async () => {
    const events = await collect(
      streamOf([
        'event: delta\r\ndata: {"content":"a"}\r',
        '\n\r\nevent: delta\rdata: {"content":"b"}\r\r',
        'event: done\r\ndata: {"finish_reason":"stop","model":"m"}\r\n\r\n',
      ]),
    );
    assert.deepEqual(
      events.map((e) => e.event),
      ["delta", "delta", "done"],
    );
  });

  it("ignores comments, retry fields, ids and unknown event names", async () => {
    const events = await collect(
      streamOf([
        ": keepalive\n\n",
        "retry: 1500\n\n",
        'id: 7\nevent: ping\ndata: {"t":1}\n\n',
        'data: {"no":"event name"}\n\n',
        'id: 8\nevent: delta\n: a comment inside an event\ndata: {"content":"x"}\n\n',
        DONE,
      ]),
    );
    assert.deepEqual(events.slice(0, -1), [{ event: "delta", data: { content: "x" } }]);
  });

  it("decodes UTF-8 split inside a character", async () => {
    const bytes = new TextEncoder().encode('event: delta\ndata: {"content":"héllo ✓"}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 28));
        controller.enqueue(bytes.slice(28, 33));
        controller.enqueue(bytes.slice(33));
        controller.enqueue(new TextEncoder().encode(DONE));
        controller.close();
      },
    });
    const client = createClient({ baseUrl: "http://api.test", fetch: mockFetch(() => sseResponse(body)) });
    const events = await collect(client.streamChat(CHAT));
    assert.deepEqual(events.slice(0, -1), [{ event: "delta", data: { content: "héllo ✓" } }]);
  });

  it("ends with a StreamError carrying the problem of an error event", async () => {
    const seen: string[] = [];
    const problem = { type: "about:blank", title: "Bad Gateway", status: 502, detail: "reset" };
    await assert.rejects(
      async () => {
        const stream = streamOf(
          ['event: delta\ndata: {"content":"a"}\n\n', `event: error\ndata: ${JSON.stringify(problem)}\n\n`],
          { "x-request-id": "req-1" },
        );
        for await (const event of stream) seen.push(event.event);
      },
      (error: unknown) => {
        assert.ok(error instanceof StreamError);
        assert.ok(error instanceof StreamspecError);
        assert.deepEqual(error.problem, problem);
        assert.equal(error.requestId, "req-1");
        return true;
      },
    );
    assert.deepEqual(seen, ["delta"]);
  });

  it("rejects data that is not JSON with a StreamspecError", async () => {
    await assert.rejects(collect(streamOf(["event: delta\ndata: {oops\n\n"])), StreamspecError);
  });

  it("turns a cut-off body into an APIConnectionError", async () => {
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(new TextEncoder().encode('event: delta\ndata: {"content":"a"}\n\n'));
        } else {
          controller.error(new TypeError("terminated"));
        }
      },
    });
    const client = createClient({ baseUrl: "http://api.test", fetch: mockFetch(() => sseResponse(body)) });
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const event of client.streamChat(CHAT)) seen.push(event.event);
    }, APIConnectionError);
    assert.deepEqual(seen, ["delta"]);
  });
});

describe("streamChat keeps the stream contract: events, then exactly one done or error", () => {
  it("a stream that ends without done rejects with a StreamTruncatedError after its events", async () => {
    const fetch = mockFetch(() => sseResponse(sseBody([DELTA]), { "x-request-id": "req-1" }));
    const seen: string[] = [];
    await assert.rejects(
      async () => {
        for await (const event of createClient({ baseUrl: "http://api.test", fetch }).streamChat(CHAT)) {
          seen.push(event.event);
        }
      },
      (error: unknown) => {
        assert.ok(error instanceof StreamTruncatedError);
        assert.ok(error instanceof APIConnectionError);
        assert.equal(error.name, "StreamTruncatedError");
        assert.equal(error.requestId, "req-1");
        assert.match(error.message, /before its `done` or `error` event/);
        assert.match(error.message, /req-1/);
        return true;
      },
    );
    assert.deepEqual(seen, ["delta"]);
    assert.equal(fetch.calls.length, 1, "a truncated stream is not sent again");
  });

  it("a stream that ends with no events at all rejects with a StreamTruncatedError", async () => {
    await assert.rejects(collect(streamOf([": keepalive\n\n", 'event: ping\ndata: {}\n\n'])), StreamTruncatedError);
  });

  it("nothing after the done event is yielded, and the body is not read to its end", async () => {
    let cancelled = false;
    const body = sseBody([DELTA, DONE, DELTA, ERROR], { hang: true, onCancel: () => (cancelled = true) });
    const fetch = mockFetch(() => sseResponse(body));
    const events = await collect(createClient({ baseUrl: "http://api.test", fetch }).streamChat(CHAT));
    assert.deepEqual(
      events.map((e) => e.event),
      ["delta", "done"],
    );
    assert.equal(cancelled, true);
  });

  it("nothing after the done event is yielded when both arrive in one chunk", async () => {
    const events = await collect(streamOf([DONE + DELTA + ERROR, DELTA]));
    assert.deepEqual(
      events.map((e) => e.event),
      ["done"],
    );
  });

  it("every stream operation's end and error events are among the events it decodes", () => {
    for (const operation of Object.values(streamOperations)) {
      const events: readonly string[] = operation.events;
      const ends = [operation.endEvent, operation.errorEvent].filter((name) => name !== null);
      for (const name of ends) assert.ok(events.includes(name), operation.operationId);
      assert.deepEqual(events.filter((name) => isTerminalEvent(operation, name)), ends);
    }
  });
});

// Streams of another contract: the runtime reads their end and error events from the descriptor.
const REPORT: StreamOperation<"progress" | "final" | "fault"> = {
  operationId: "watchReport",
  method: "GET",
  path: "/report",
  events: ["progress", "final", "fault"],
  errorEvent: "fault",
  endEvent: "final",
  endSentinel: null,
};
const COMPLETION: StreamOperation<"message"> = {
  operationId: "streamText",
  method: "POST",
  path: "/text",
  events: ["message"],
  errorEvent: null,
  endEvent: null,
  endSentinel: "[DONE]",
};

function decoded<E extends StreamEvent>(operation: StreamOperation<E["event"]>, chunks: readonly string[]) {
  return collect(decodeEvents<E>(sseResponse(sseBody(chunks)), operation));
}

describe("decoding a stream by its descriptor, whatever its events are named", () => {
  it("an error event of any name ends the stream with a StreamError", async () => {
    const problem = { type: "about:blank", title: "Broken", status: 500 };
    await assert.rejects(
      decoded(REPORT, ['event: progress\ndata: {"percent":5}\n\n', `event: fault\ndata: ${JSON.stringify(problem)}\n\n`]),
      (error: unknown) => error instanceof StreamError && error.problem.title === "Broken",
    );
  });

  it("the contract's end event is yielded and ends the stream; without it the stream is truncated", async () => {
    const events = await decoded(REPORT, ['event: progress\ndata: {"percent":5}\n\n', 'event: final\ndata: {"text":"x"}\n\n', DELTA]);
    assert.deepEqual(
      events.map((e) => e.event),
      ["progress", "final"],
    );
    await assert.rejects(decoded(REPORT, ['event: progress\ndata: {"percent":5}\n\n', DONE]), StreamTruncatedError);
  });

  it("a data-only stream ends at its sentinel, which is not yielded", async () => {
    const events = await decoded(COMPLETION, ['data: {"text":"a"}\n\n', "data: [DONE]\n\n", 'data: {"text":"b"}\n\n']);
    assert.deepEqual(events, [{ event: "message", data: { text: "a" } }]);
    await assert.rejects(decoded(COMPLETION, ['data: {"text":"a"}\n\n']), StreamTruncatedError);
  });
});
