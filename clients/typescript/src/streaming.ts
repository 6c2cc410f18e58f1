import { createParser, type EventSourceMessage } from "eventsource-parser";

import { APIConnectionError, StreamError, StreamTruncatedError, StreamspecError, isProblem } from "./errors.js";
import type { ErrorBody } from "./gen/models.js";
import type { StreamOperation } from "./gen/streams.js";

/** The shape every generated event union shares. */
export interface StreamEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Whether `name` ends a stream of `operation`: its end event, or its error event. */
export function isTerminalEvent(operation: StreamOperation, name: string): boolean {
  return name === operation.endEvent || name === operation.errorEvent;
}

/** Whether the contract says how the stream ends, so that a cut can be told from an end. */
function hasEnd(operation: StreamOperation): boolean {
  return operation.endEvent !== null || operation.endSentinel !== null;
}

/**
 * Decode a `text/event-stream` body (WHATWG rules, via eventsource-parser) into typed events.
 *
 * Events the operation does not name are skipped, so an older client survives a newer server.
 * The operation's error event ends the iteration with a StreamError; its end event is yielded
 * and ends it; a data-only stream's sentinel (such as `[DONE]`) ends it unyielded. Nothing after
 * the end is read or yielded. When the contract names an end, a body that closes before it ends
 * the iteration with a StreamTruncatedError, so a cut-off reply never passes for a whole one.
 * The reader is always released, and cancelled (closing the connection) when iteration stops
 * before the body's end.
 */
export async function* decodeEvents<E extends StreamEvent>(
  response: Response,
  operation: StreamOperation<E["event"]>,
  signal?: AbortSignal,
): AsyncGenerator<E, void, undefined> {
  if (response.body === null) throw new APIConnectionError("the stream response has no body");
  const known: ReadonlySet<string> = new Set(operation.events);
  const requestId = response.headers.get("x-request-id");
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(message) });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let finished = false;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw new APIConnectionError("the stream was cut off", { cause: error });
      }
      if (chunk.done) {
        parser.feed(decoder.decode());
      } else {
        parser.feed(decoder.decode(chunk.value, { stream: true }));
      }
      for (const message of pending.splice(0)) {
        if (message.data === operation.endSentinel) return;
        const name = message.event ?? "message";
        if (!known.has(name)) continue;
        const data = parseData(message.data, name);
        if (name === operation.errorEvent) {
          throw new StreamError(isProblem(data) ? data : malformedProblem(data), requestId);
        }
        yield { event: name, data } as E;
        // The terminal event ends the stream: whatever follows it is neither read nor yielded.
        if (isTerminalEvent(operation, name)) return;
      }
      if (chunk.done) {
        finished = true;
        if (signal?.aborted) throw signal.reason;
        if (!hasEnd(operation)) return;
        throw truncated(operation, requestId);
      }
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function truncated(operation: StreamOperation, requestId: string | null): StreamTruncatedError {
  const ending = [operation.endEvent, operation.errorEvent, operation.endSentinel]
    .filter((name) => name !== null)
    .map((name) => `\`${name}\``);
  return new StreamTruncatedError(
    `the ${operation.operationId} stream closed before its ${ending.join(" or ")} event: ` +
      `the reply is incomplete (request id ${requestId ?? "unknown"})`,
    requestId,
  );
}

function parseData(data: string, event: string): unknown {
  try {
    return JSON.parse(data);
  } catch (error) {
    throw new StreamspecError(`the data of a \`${event}\` event is not JSON`, { cause: error });
  }
}

function malformedProblem(data: unknown): ErrorBody {
  const problem = { type: "about:blank", title: "Malformed error event", status: 502, detail: JSON.stringify(data) };
  return problem as ErrorBody;
}
