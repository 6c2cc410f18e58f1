// Compiled by `tsc --noEmit -p .` (scripts/test), never run: each `@ts-expect-error` must stay an
// error, and each annotated assignment must stay legal, or the type check fails.
import {
  type APIStatusError,
  type ChatResponse,
  type Problem,
  RateLimitError,
  type StreamChatEvent,
  StreamError,
  type StreamspecClient,
  UpstreamError,
  streamChatOperation,
} from "../index.js";

declare const client: StreamspecClient;
declare const event: StreamChatEvent;

// Before narrowing, `data` is the union of every payload: no `content` on it.
// @ts-expect-error content exists only on a delta's data
export const contentBeforeNarrowing: string = event.data.content;

export function narrowedByEventName(e: StreamChatEvent): string {
  if (e.event === "delta") {
    const content: string = e.data.content;
    // @ts-expect-error a delta carries no finish_reason
    void e.data.finish_reason;
    return content;
  }
  if (e.event === "done") {
    const reason: "stop" | "length" | "content_filter" = e.data.finish_reason;
    const total: number | undefined = e.data.usage?.total_tokens;
    return `${reason} ${total}`;
  }
  const problem: Problem = e.data;
  return problem.title;
}

export function exhaustiveOverTheGeneratedEvents(e: StreamChatEvent): number {
  switch (e.event) {
    case "delta":
      return 1;
    case "done":
      return 2;
    case "error":
      return 3;
    default: {
      // Adding a variant to the spec (and regenerating) makes this line fail until it is handled.
      const unreachable: never = e;
      return unreachable;
    }
  }
}

// @ts-expect-error "ping" is not an event of streamChat
export const notAnEvent: StreamChatEvent["event"] = "ping";

export const eventNames: readonly ["delta", "done", "error"] = streamChatOperation.events;

export async function streamsAndCompletesAreTyped(): Promise<void> {
  for await (const e of client.streamChat({ messages: [{ role: "user", content: "hi" }] })) {
    if (e.event === "delta") void e.data.content.toUpperCase();
  }
  const reply: ChatResponse = await client.createChat({ messages: [{ role: "user", content: "hi" }] });
  void reply.message.content;
  // @ts-expect-error a role must be one of the contract's roles
  await client.createChat({ messages: [{ role: "robot", content: "hi" }] });
  // @ts-expect-error messages are required
  await client.createChat({});
}

export function errorsCarryTypedFields(error: unknown): void {
  if (error instanceof RateLimitError) {
    const status: 429 = error.status;
    const retryAfter: number | null = error.retryAfter;
    const requestId: string | null = error.requestId;
    void [status, retryAfter, requestId];
  }
  if (error instanceof UpstreamError) {
    const status: 502 = error.status;
    const problem: Problem = error.problem;
    // @ts-expect-error only a RateLimitError has retryAfter
    void error.retryAfter;
    void [status, problem];
  }
  if (error instanceof StreamError) {
    const title: string = error.problem.title;
    const fields: { location: string; message: string }[] | undefined = error.problem.errors;
    void [title, fields];
  }
}

export function statusIsANumberOnTheBaseClass(error: APIStatusError): number {
  return error.status;
}
