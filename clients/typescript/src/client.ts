import createFetchClient from "openapi-fetch";

import { StreamspecError, statusError } from "./errors.js";
import type { components, paths } from "./gen/openapi.js";
import { type StreamChatEvent, type StreamOperation, streamChatOperation } from "./gen/streams.js";
import { type StreamEvent, decodeEvents } from "./streaming.js";
import { type FetchLike, type TransportOptions, send } from "./transport.js";

export type ChatRequest = components["schemas"]["ChatRequest"];
export type ChatResponse = components["schemas"]["ChatResponse"];
export type Health = components["schemas"]["Health"];

export interface ClientOptions {
  /** The server's root, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  /** One of the server's STREAMSPEC_API_KEYS, sent as a bearer token. */
  apiKey?: string | undefined;
  /** A fetch to use instead of `globalThis.fetch`. */
  fetch?: FetchLike | undefined;
  /** Retries of connection errors and 429/502/503/504; default 2. */
  maxRetries?: number | undefined;
  /** Milliseconds to wait for a response's headers before an APITimeoutError; default 60000. */
  timeout?: number | undefined;
}

export interface StreamOptions {
  /** Aborting it cancels the request, or the stream as it runs; the iteration rejects with its reason. */
  signal?: AbortSignal | undefined;
}

export interface StreamspecClient {
  /** Report liveness and what the server runs on. */
  getHealth(): Promise<Health>;
  /** Complete a chat in one JSON response. */
  createChat(body: ChatRequest): Promise<ChatResponse>;
  /**
   * Stream a chat reply as typed events. The request is sent when iteration starts; an `error`
   * event rejects the iteration with a StreamError.
   */
  streamChat(body: ChatRequest, options?: StreamOptions): AsyncIterable<StreamChatEvent>;
}

export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_TIMEOUT_MS = 60_000;

export function createClient(options: ClientOptions): StreamspecClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const transport: TransportOptions = {
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
  };
  const baseHeaders = (): Headers => {
    const headers = new Headers();
    if (options.apiKey) headers.set("authorization", `Bearer ${options.apiKey}`);
    return headers;
  };

  const raw = createFetchClient<paths>({
    baseUrl,
    fetch: async (request: Request) => {
      const headers = baseHeaders();
      request.headers.forEach((value, name) => headers.set(name, value));
      const outgoing = { url: request.url, method: request.method, headers };
      const body = request.body === null ? undefined : await request.text();
      // No signal is passed here, so there is no listener to release.
      const { response } = await send(transport, body === undefined ? outgoing : { ...outgoing, body });
      return response;
    },
  });

  function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
    if (!result.response.ok) throw statusError(result.response, result.error);
    if (result.data === undefined) throw new StreamspecError(`empty ${result.response.status} response`);
    return result.data;
  }

  async function* openStream<E extends StreamEvent>(
    operation: StreamOperation<E["event"]>,
    body: unknown,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<E, void, undefined> {
    const headers = baseHeaders();
    headers.set("content-type", "application/json");
    headers.set("accept", "text/event-stream");
    const { response, release } = await send(transport, {
      url: baseUrl + operation.path,
      method: operation.method,
      headers,
      body: JSON.stringify(body),
      signal,
    });
    try {
      if (!response.ok) throw statusError(response, await readErrorBody(response));
      yield* decodeEvents<E>(response, operation, signal);
    } finally {
      // However the stream ends (terminal event, error, break, abort), unlink the caller's signal.
      release();
    }
  }

  return {
    getHealth: async () => ok(await raw.GET("/health")),
    createChat: async (body) => ok(await raw.POST("/api/chat", { body })),
    streamChat: (body, streamOptions) =>
      openStream<StreamChatEvent>(streamChatOperation, body, streamOptions?.signal),
  };
}

async function readErrorBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
