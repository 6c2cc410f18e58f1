// The runtime's public names are listed here; every generated name (the contract's models,
// each operation's argument, answers and events, the client interface) is exported as generated.
export { type ClientOptions, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, createClient } from "./client.js";
export {
  APIConnectionError,
  APIStatusError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  ContentTooLargeError,
  GatewayTimeoutError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestTimeoutError,
  ServiceUnavailableError,
  StreamError,
  StreamTruncatedError,
  StreamspecError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
  UpstreamError,
} from "./errors.js";
export * from "./gen/client.js";
export * from "./gen/models.js";
export type { components, operations, paths } from "./gen/openapi.js";
export * from "./gen/streams.js";
export type { FetchLike } from "./transport.js";
