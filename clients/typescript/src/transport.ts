import { APIConnectionError, APITimeoutError, retryAfterSeconds } from "./errors.js";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  readonly fetch: FetchLike;
  readonly maxRetries: number;
  /** Milliseconds to wait for each attempt's response headers. */
  readonly timeout: number;
  /** Replaceable in tests; resolves after `ms`, or rejects with the signal's reason. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface OutgoingRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body?: string;
  readonly signal?: AbortSignal | undefined;
}

const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;
// A longer Retry-After than this is not worth blocking a caller for; back off as usual instead.
const MAX_RETRY_AFTER_MS = 60_000;

/** A response, and the link that lets the caller's AbortSignal cancel its body as it is read. */
export interface SentResponse {
  readonly response: Response;
  /**
   * Remove the listener on the caller's signal. Call it once the body is read or abandoned, so
   * a signal reused across many requests does not collect listeners; idempotent.
   */
  readonly release: () => void;
}

/**
 * Send a request, retrying connection errors and 429/502/503/504 with exponential backoff
 * that honours Retry-After. Resolves with the final response, whatever its status; the body of
 * a response that is retried is discarded. Retries end here: once a stream's response is
 * returned, nothing sends its request again.
 */
export async function send(options: TransportOptions, request: OutgoingRequest): Promise<SentResponse> {
  const sleep = options.sleep ?? abortableSleep;
  for (let attempt = 0; ; attempt++) {
    const retriesLeft = attempt < options.maxRetries;
    let sent: SentResponse;
    try {
      sent = await fetchOnce(options, request);
    } catch (error) {
      if (!(error instanceof APIConnectionError) || !retriesLeft) throw error;
      await sleep(backoffMs(attempt), request.signal);
      continue;
    }
    const { response, release } = sent;
    if (!RETRYABLE_STATUSES.has(response.status) || !retriesLeft) return sent;
    release();
    const retryAfter = retryAfterSeconds(response.headers);
    await response.body?.cancel().catch(() => undefined);
    const wait =
      retryAfter !== null && retryAfter * 1000 <= MAX_RETRY_AFTER_MS ? retryAfter * 1000 : backoffMs(attempt);
    await sleep(wait, request.signal);
  }
}

async function fetchOnce(options: TransportOptions, request: OutgoingRequest): Promise<SentResponse> {
  const userSignal = request.signal;
  userSignal?.throwIfAborted();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeout);
  // Kept on success until the caller releases the response: its abort must also cancel the body.
  const forwardAbort = () => controller.abort(userSignal?.reason);
  userSignal?.addEventListener("abort", forwardAbort, { once: true });
  const release = () => userSignal?.removeEventListener("abort", forwardAbort);
  const init: RequestInit = { method: request.method, headers: request.headers, signal: controller.signal };
  if (request.body !== undefined) init.body = request.body;
  try {
    return { response: await options.fetch(request.url, init), release };
  } catch (error) {
    release();
    if (userSignal?.aborted) throw userSignal.reason;
    if (timedOut) throw new APITimeoutError(`no response within ${options.timeout} ms`, { cause: error });
    throw new APIConnectionError(`connection failed: ${describe(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

export function backoffMs(attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** attempt);
  return ceiling * (0.75 + Math.random() * 0.25);
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
