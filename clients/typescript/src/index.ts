export {
  type ChatRequest,
  type ChatResponse,
  type ClientOptions,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type Health,
  type StreamOptions,
  type StreamspecClient,
  createClient,
} from "./client.js";
export {
  APIConnectionError,
  APIStatusError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  ContentTooLargeError,
  RequestTimeoutError,
  GatewayTimeoutError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  type Problem,
  RateLimitError,
  ServiceUnavailableError,
  StreamError,
  StreamTruncatedError,
  StreamspecError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
  UpstreamError,
} from "./errors.js";
export type { components, operations, paths } from "./gen/openapi.js";
export {
  type StreamChatEvent,
  type StreamChatRequest,
  type StreamOperation,
  streamChatOperation,
  streamOperations,
} from "./gen/streams.js";
export type { FetchLike } from "./transport.js";
