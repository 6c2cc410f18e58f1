import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { type OperationDescriptor, createClient } from "../src/index.js";
import { buildRequest } from "../src/request.js";
import { CHAT, mockFetch } from "./helpers.js";

// A made-up operation with every kind of parameter, as the generator describes one.
const SEARCH: OperationDescriptor = {
  operationId: "searchThings",
  method: "POST",
  path: "/things/{thing_id}/search",
  parameters: [
    { name: "thing_id", in: "path" },
    { name: "limit", in: "query" },
    { name: "tag", in: "query" },
    { name: "X-Tenant", in: "header" },
  ],
  body: "properties",
  bodyRequired: false,
  answers: [{ status: 200, body: true, headers: [] }],
  choose: false,
  errors: [],
  stream: null,
};

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

describe("building a request from the argument object", () => {
  it("puts parameters in the path, the query and the headers, and the other keys in the body", () => {
    const built = buildRequest(
      "http://api.test",
      SEARCH,
      { thing_id: "a/b c", limit: 5, tag: ["work", "home"], "X-Tenant": "acme", text: "hi", words: 3 },
      new Headers(),
    );
    assert.equal(built.url, "http://api.test/things/a%2Fb%20c/search?limit=5&tag=work&tag=home");
    assert.equal(built.headers.get("x-tenant"), "acme");
    assert.equal(built.headers.get("content-type"), "application/json");
    assert.deepEqual(JSON.parse(built.body ?? ""), { text: "hi", words: 3 });
  });

  it("leaves out undefined parameters, and an optional body when no property is given", () => {
    const built = buildRequest("http://api.test", SEARCH, { thing_id: "t1", limit: undefined }, new Headers());
    assert.equal(built.url, "http://api.test/things/t1/search");
    assert.equal(built.body, undefined);
    assert.equal(built.headers.get("content-type"), null);
  });

  it("sends a required body even when it has no property, and a `body` key as the whole body", () => {
    const required = buildRequest("http://api.test", { ...SEARCH, bodyRequired: true }, { thing_id: "t1" }, new Headers());
    assert.equal(required.body, "{}");
    const keyed = buildRequest("http://api.test", { ...SEARCH, body: "key" }, { thing_id: "t1", body: [1, 2] }, new Headers());
    assert.equal(keyed.body, "[1,2]");
  });

  it("refuses a missing path parameter rather than sending a literal {name}", () => {
    assert.throws(() => buildRequest("http://api.test", SEARCH, {}, new Headers()), /searchThings needs its path parameter thing_id/);
  });
});

describe("the generated methods", () => {
  it("getModel puts its path parameter in the URL and sends no body", async () => {
    const fetch = mockFetch(() => json({ id: "echo", owned_by: "streamspec" }));
    const model = await createClient({ baseUrl: "http://api.test/", fetch }).getModel({ model_id: "org/model 1" });
    assert.deepEqual(model, { id: "echo", owned_by: "streamspec" });
    const [call] = fetch.calls;
    assert.equal(call?.url, "http://api.test/api/models/org%2Fmodel%201");
    assert.equal(call?.init.method, "GET");
    assert.equal(call?.init.body, undefined);
    assert.equal(new Headers(call?.init.headers).get("accept"), "application/json");
  });

  it("listModels takes no argument; request options add headers", async () => {
    const fetch = mockFetch(() => json({ models: [] }));
    const client = createClient({ baseUrl: "http://api.test", fetch, apiKey: "k" });
    assert.deepEqual(await client.listModels(), { models: [] });
    await client.listModels({}, { headers: { "x-request-id": "mine" } });
    const sent = fetch.calls.map((call) => new Headers(call.init.headers));
    assert.deepEqual(
      sent.map((headers) => [headers.get("authorization"), headers.get("x-request-id")]),
      [
        ["Bearer k", null],
        ["Bearer k", "mine"],
      ],
    );
  });

  it("createChat sends its argument object as the JSON body", async () => {
    const reply = { message: { role: "assistant", content: "hi" }, model: "echo", finish_reason: "stop" };
    const fetch = mockFetch(() => json(reply));
    assert.deepEqual(await createClient({ baseUrl: "http://api.test", fetch }).createChat(CHAT), reply);
    assert.deepEqual(JSON.parse(String(fetch.calls[0]?.init.body)), CHAT);
    assert.equal(new Headers(fetch.calls[0]?.init.headers).get("content-type"), "application/json");
  });

  it("an AbortSignal cancels a JSON call too: it rejects with the signal's reason", async () => {
    const controller = new AbortController();
    const fetch = mockFetch(
      ({ init }) =>
        new Promise<Response>((_, reject) => init.signal?.addEventListener("abort", () => reject(new Error("aborted")))),
    );
    const pending = createClient({ baseUrl: "http://api.test", fetch }).getHealth(undefined, { signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, { name: "AbortError" });
  });
});
