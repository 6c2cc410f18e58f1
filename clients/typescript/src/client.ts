import { StreamspecError, statusError } from "./errors.js";
import {
  type AnswerDescriptor,
  type OperationDescriptor,
  type RequestOptions,
  type StreamspecClient,
  clientOperations,
} from "./gen/client.js";
import type { StreamOperation } from "./gen/streams.js";
import { buildRequest } from "./request.js";
import { type StreamEvent, decodeEvents } from "./streaming.js";
import { type FetchLike, type SentResponse, type TransportOptions, send } from "./transport.js";

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

export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_TIMEOUT_MS = 60_000;

type Arguments = Readonly<Record<string, unknown>> | undefined;
type Method = (args?: Arguments, options?: RequestOptions) => unknown;

/** A client with one method per operation of the contract, each built from its generated descriptor. */
export function createClient(options: ClientOptions): StreamspecClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const transport: TransportOptions = {
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
  };

  function open(operation: OperationDescriptor, args: Arguments, request: RequestOptions | undefined, accept: string) {
    const headers = new Headers({ accept });
    if (options.apiKey) headers.set("authorization", `Bearer ${options.apiKey}`);
    const built = buildRequest(baseUrl, operation, args, headers);
    for (const [name, value] of Object.entries(request?.headers ?? {})) built.headers.set(name, value);
    return send(transport, { ...built, signal: request?.signal });
  }

  async function call(operation: OperationDescriptor, args: Arguments, request?: RequestOptions): Promise<unknown> {
    const sent = await open(operation, args, request, "application/json");
    try {
      return await readAnswer(operation, sent, request?.signal);
    } finally {
      sent.release();
    }
  }

  async function* stream<E extends StreamEvent>(
    operation: OperationDescriptor & { readonly stream: StreamOperation<E["event"]> },
    args: Arguments,
    request?: RequestOptions,
  ): AsyncGenerator<E, void, undefined> {
    const { response, release } = await open(operation, args, request, "text/event-stream");
    try {
      if (!response.ok) throw statusError(response, await readErrorBody(response));
      yield* decodeEvents<E>(response, operation.stream, request?.signal);
    } finally {
      // However the stream ends (terminal event, error, break, abort), unlink the caller's signal.
      release();
    }
  }

  const methods: Record<string, Method> = {};
  for (const [name, operation] of Object.entries(clientOperations) as [string, OperationDescriptor][]) {
    const { stream: streamed } = operation;
    if (streamed === null) {
      methods[name] = (args, request) => call(operation, args, request);
    } else {
      const streaming = { ...operation, stream: streamed };
      methods[name] = (args, request) => stream(streaming, args, request);
    }
  }
  // The generated table and interface come from the same operations; its `satisfies` ties their names.
  return methods as unknown as StreamspecClient;
}

async function readAnswer(operation: OperationDescriptor, sent: SentResponse, signal?: AbortSignal): Promise<unknown> {
  const { response } = sent;
  if (!response.ok) throw statusError(response, await readErrorBody(response));
  const answer = operation.answers.find((candidate) => candidate.status === response.status);
  if (answer === undefined && operation.choose) {
    await response.body?.cancel().catch(() => undefined);
    throw new StreamspecError(`${operation.operationId} answered ${response.status}, which the contract does not document`);
  }
  const body = await readBody(response, signal);
  if (!operation.choose) return body;
  return { status: response.status, ...(answer?.body ? { body } : {}), headers: readHeaders(operation, answer, response) };
}

async function readBody(response: Response, signal?: AbortSignal): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new StreamspecError("the response was cut off", { cause: error });
  }
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StreamspecError(`the ${response.status} response is not JSON`, { cause: error });
  }
}

function readHeaders(
  operation: OperationDescriptor,
  answer: AnswerDescriptor | undefined,
  response: Response,
): Record<string, string | number | boolean> {
  const headers: Record<string, string | number | boolean> = {};
  for (const header of answer?.headers ?? []) {
    const raw = response.headers.get(header.name);
    const where = `the ${header.name} header of ${operation.operationId}'s ${response.status} answer`;
    if (raw === null) {
      if (header.required) throw new StreamspecError(`${where} is missing`);
      continue;
    }
    headers[header.name] = headerValue(raw.trim(), header.type, where);
  }
  return headers;
}

function headerValue(raw: string, type: AnswerDescriptor["headers"][number]["type"], where: string) {
  if (type === "string") return raw;
  if (type === "boolean") {
    if (raw === "true" || raw === "false") return raw === "true";
  } else if (type === "integer" ? /^-?\d+$/.test(raw) : raw !== "" && Number.isFinite(Number(raw))) {
    return Number(raw);
  }
  throw new StreamspecError(`${where} is not a ${type}: ${JSON.stringify(raw)}`);
}

async function readErrorBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
