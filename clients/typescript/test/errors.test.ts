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

  it("exports exactly the public API", () => {
    assert.deepEqual(Object.keys(sdk).sort(), [
      "APIConnectionError",
      "APIStatusError",
      "APITimeoutError",
      "AuthenticationError",
      "BadRequestError",
      "ContentTooLargeError",
      "DEFAULT_MAX_RETRIES",
      "DEFAULT_TIMEOUT_MS",
      "GatewayTimeoutError",
      "InternalServerError",
      "NotFoundError",
      "PermissionDeniedError",
      "RateLimitError",
      "RequestTimeoutError",
      "ServiceUnavailableError",
      "StreamError",
      "StreamTruncatedError",
      "StreamspecError",
      "UnprocessableEntityError",
      "UnsupportedMediaTypeError",
      "UpstreamError",
      "createClient",
      "streamChatOperation",
      "streamOperations",
    ]);
  });
});
