import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as sdk from "../src/index.js";
import { CHAT, mockFetch, problemResponse } from "./helpers.js";

const EXPECTED: Record<number, string> = {
  400: "BadRequestError",
  401: "AuthenticationError",
  403: "PermissionDeniedError",
  404: "NotFoundError",
  408: "RequestTimeoutError",
  413: "ContentTooLargeError",
  415: "UnsupportedMediaTypeError",
  422: "UnprocessableEntityError",
  429: "RateLimitError",
  500: "InternalServerError",
  502: "UpstreamError",
  503: "ServiceUnavailableError",
  504: "GatewayTimeoutError",
};

// What the hand-written runtime exports; the rest of the package's names are generated.
const RUNTIME = [
  "DEFAULT_MAX_RETRIES",
  "DEFAULT_TIMEOUT_MS",
  "createClient",
  ...Object.values(EXPECTED),
  "APIConnectionError",
  "APIStatusError",
  "APITimeoutError",
  "StreamError",
  "StreamTruncatedError",
  "StreamspecError",
];

type Method = (args?: unknown) => unknown;

/** Await a method's answer, or iterate its stream to its end. */
async function consume(answer: unknown): Promise<void> {
  if (answer !== null && typeof answer === "object" && Symbol.asyncIterator in answer) {
    for await (const _ of answer as AsyncIterable<unknown>) void _;
  } else {
    await answer;
  }
}

describe("errors", () => {
  for (const [status, name] of Object.entries(EXPECTED)) {
    it(`a ${status} problem becomes a ${name} carrying status, problem and request id`, async () => {
      const fetch = mockFetch(() => problemResponse(Number(status)));
      const client = sdk.createClient({ baseUrl: "http://api.test", fetch, maxRetries: 0 });
      await assert.rejects(client.createChat(CHAT), (error: unknown) => {
        const ErrorClass = (sdk as unknown as Record<string, new () => Error>)[name];
        assert.ok(ErrorClass && error instanceof ErrorClass, `${String(error)} is not a ${name}`);
        assert.ok(error instanceof sdk.APIStatusError && error instanceof sdk.StreamspecError);
        assert.equal(error.name, name);
        assert.equal(error.status, Number(status));
        assert.equal(error.problem.detail, "from the mock");
        assert.equal(error.requestId, `req-${status}`);
        return true;
      });
    });
  }

  it("an undocumented status is a plain APIStatusError; a non-problem body becomes the detail", async () => {
    const fetch = mockFetch(() => new Response("teapot", { status: 418, statusText: "I'm a teapot" }));
    await assert.rejects(sdk.createClient({ baseUrl: "http://api.test", fetch }).getHealth(), (error: unknown) => {
      assert.ok(error instanceof sdk.APIStatusError);
      assert.equal(error.constructor, sdk.APIStatusError);
      assert.deepEqual(error.problem, { type: "about:blank", title: "I'm a teapot", status: 418, detail: "teapot" });
      return true;
    });
  });

  it("sends the API key as a bearer token on every operation", async () => {
    const fetch = mockFetch(() => problemResponse(401));
    const client = sdk.createClient({ baseUrl: "http://api.test/", fetch, apiKey: "key-alpha" });
    await assert.rejects(client.createChat(CHAT));
    await assert.rejects(client.getHealth());
    await assert.rejects(async () => {
      for await (const _ of client.streamChat(CHAT)) break;
    });
    assert.deepEqual(
      fetch.calls.map((call) => [call.url, new Headers(call.init.headers).get("authorization")]),
      [
        ["http://api.test/api/chat", "Bearer key-alpha"],
        ["http://api.test/health", "Bearer key-alpha"],
        ["http://api.test/api/chat/stream", "Bearer key-alpha"],
      ],
    );
  });

  it("every error status an operation documents is thrown as its own error class", async () => {
    for (const [name, operation] of Object.entries(sdk.clientOperations)) {
      const args = Object.fromEntries(operation.parameters.map((p) => [p.name, "x"]));
      let current = 0;
      const fetch = mockFetch(() => problemResponse(current));
      const client = sdk.createClient({ baseUrl: "http://api.test", fetch, maxRetries: 0 });
      const method = (client as unknown as Record<string, Method>)[name];
      for (const status of operation.errors) {
        current = status;
        await assert.rejects(consume(method?.(args)), (error: unknown) => {
          assert.ok(error instanceof sdk.APIStatusError, `${name} ${status}: ${String(error)}`);
          assert.notEqual(error.constructor, sdk.APIStatusError, `${name} ${status} has no class of its own`);
          assert.equal(error.name, EXPECTED[status], `${name} ${status}`);
          return true;
        });
      }
    }
  });

  it("the client has exactly one method per generated operation", () => {
    const client = sdk.createClient({ baseUrl: "http://api.test" });
    assert.deepEqual(Object.keys(client).sort(), Object.keys(sdk.clientOperations).sort());
  });

  it("exports the runtime's names and every generated value, and nothing else", async () => {
    const generated = [
      ...Object.keys(await import("../src/gen/client.js")),
      ...Object.keys(await import("../src/gen/models.js")),
      ...Object.keys(await import("../src/gen/streams.js")),
    ];
    assert.deepEqual(Object.keys(sdk).sort(), [...RUNTIME, ...generated].sort());
  });
});
