/**
 * Every error the SDK throws, one tree:
 *
 *   StreamspecError
 *   ├── APIStatusError                 an HTTP problem response (status, problem, requestId)
 *   │   ├── BadRequestError            400
 *   │   ├── AuthenticationError        401
 *   │   ├── PermissionDeniedError      403
 *   │   ├── NotFoundError              404
 *   │   ├── RequestTimeoutError        408
 *   │   ├── ContentTooLargeError       413
 *   │   ├── UnsupportedMediaTypeError  415
 *   │   ├── UnprocessableEntityError   422
 *   │   ├── RateLimitError             429 (retryAfter)
 *   │   ├── InternalServerError        500
 *   │   ├── UpstreamError              502
 *   │   ├── ServiceUnavailableError    503
 *   │   └── GatewayTimeoutError        504
 *   ├── APIConnectionError             no usable response: refused, reset, malformed stream
 *   │   ├── APITimeoutError            no response within the client's timeout
 *   │   └── StreamTruncatedError       the stream closed before its end event or sentinel (requestId)
 *   └── StreamError                    the stream's error event ended it (problem, requestId)
 *
 * `problem` is typed by the contract's problem schema (ErrorBody, generated). Aborting through an
 * AbortSignal rejects with the signal's reason, as fetch does.
 */
import type { ErrorBody } from "./gen/models.js";

export class StreamspecError extends Error {
  override name = "StreamspecError";
}

export class APIStatusError extends StreamspecError {
  override name = "APIStatusError";
  readonly status: number;
  readonly problem: ErrorBody;
  /** The response's X-Request-ID, the id in the server's logs. */
  readonly requestId: string | null;
  readonly headers: Headers;

  constructor(status: number, problem: ErrorBody, headers: Headers) {
    super(`${status} ${summary(problem)}`);
    this.status = status;
    this.problem = problem;
    this.headers = headers;
    this.requestId = headers.get("x-request-id");
  }
}

export class BadRequestError extends APIStatusError {
  override name = "BadRequestError";
  declare readonly status: 400;
}
export class AuthenticationError extends APIStatusError {
  override name = "AuthenticationError";
  declare readonly status: 401;
}
export class PermissionDeniedError extends APIStatusError {
  override name = "PermissionDeniedError";
  declare readonly status: 403;
}
export class NotFoundError extends APIStatusError {
  override name = "NotFoundError";
  declare readonly status: 404;
}
export class RequestTimeoutError extends APIStatusError {
  override name = "RequestTimeoutError";
  declare readonly status: 408;
}
export class ContentTooLargeError extends APIStatusError {
  override name = "ContentTooLargeError";
  declare readonly status: 413;
}
export class UnsupportedMediaTypeError extends APIStatusError {
  override name = "UnsupportedMediaTypeError";
  declare readonly status: 415;
}
export class UnprocessableEntityError extends APIStatusError {
  override name = "UnprocessableEntityError";
  declare readonly status: 422;
}
export class RateLimitError extends APIStatusError {
  override name = "RateLimitError";
  declare readonly status: 429;
  /** Seconds the server asked to wait (Retry-After), or null when it did not say. */
  readonly retryAfter: number | null;

  constructor(status: number, problem: ErrorBody, headers: Headers) {
    super(status, problem, headers);
    this.retryAfter = retryAfterSeconds(headers);
  }
}
export class InternalServerError extends APIStatusError {
  override name = "InternalServerError";
  declare readonly status: 500;
}
export class UpstreamError extends APIStatusError {
  override name = "UpstreamError";
  declare readonly status: 502;
}
export class ServiceUnavailableError extends APIStatusError {
  override name = "ServiceUnavailableError";
  declare readonly status: 503;
}
export class GatewayTimeoutError extends APIStatusError {
  override name = "GatewayTimeoutError";
  declare readonly status: 504;
}

export class APIConnectionError extends StreamspecError {
  override name = "APIConnectionError";
}

export class APITimeoutError extends APIConnectionError {
  override name = "APITimeoutError";
}

/**
 * The stream's body closed cleanly before its terminal (`done` or `error`) event, so the events
 * already yielded are an incomplete reply. The request is not sent again.
 */
export class StreamTruncatedError extends APIConnectionError {
  override name = "StreamTruncatedError";
  /** The response's X-Request-ID, the id in the server's logs. */
  readonly requestId: string | null;

  constructor(message: string, requestId: string | null) {
    super(message);
    this.requestId = requestId;
  }
}

export class StreamError extends StreamspecError {
  override name = "StreamError";
  readonly problem: ErrorBody;
  readonly requestId: string | null;

  constructor(problem: ErrorBody, requestId: string | null) {
    const { status } = problem as Record<string, unknown>;
    super(`stream failed: ${typeof status === "number" ? `${status} ` : ""}${summary(problem)}`);
    this.problem = problem;
    this.requestId = requestId;
  }
}

type StatusErrorClass = new (status: number, problem: ErrorBody, headers: Headers) => APIStatusError;

const ERRORS_BY_STATUS: ReadonlyMap<number, StatusErrorClass> = new Map<number, StatusErrorClass>([
  [400, BadRequestError],
  [401, AuthenticationError],
  [403, PermissionDeniedError],
  [404, NotFoundError],
  [408, RequestTimeoutError],
  [413, ContentTooLargeError],
  [415, UnsupportedMediaTypeError],
  [422, UnprocessableEntityError],
  [429, RateLimitError],
  [500, InternalServerError],
  [502, UpstreamError],
  [503, ServiceUnavailableError],
  [504, GatewayTimeoutError],
]);

/** The typed error for a non-2xx response whose body has been read (JSON-decoded if it was JSON). */
export function statusError(response: Response, body: unknown): APIStatusError {
  const ErrorClass = ERRORS_BY_STATUS.get(response.status) ?? APIStatusError;
  return new ErrorClass(response.status, asProblem(response, body), response.headers);
}

/** The body as a problem; a body that is none (a proxy's page, say) becomes one's `detail`. */
export function asProblem(response: Response, body: unknown): ErrorBody {
  if (isProblem(body)) return body;
  const problem: Record<string, unknown> = {
    type: "about:blank",
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
  };
  if (typeof body === "string" && body) problem["detail"] = body;
  return problem as ErrorBody;
}

/** Whether a value has the members RFC 9457 requires, so that it can pass for the contract's problem. */
export function isProblem(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const { type, title, status } = value as Record<string, unknown>;
  return typeof type === "string" && typeof title === "string" && typeof status === "number";
}

function summary(problem: ErrorBody): string {
  const { title, detail } = problem as Record<string, unknown>;
  const heading = typeof title === "string" ? title : "problem";
  return typeof detail === "string" && detail ? `${heading}: ${detail}` : heading;
}

/** Retry-After as seconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterSeconds(headers: Headers): number | null {
  const value = headers.get("retry-after")?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}
