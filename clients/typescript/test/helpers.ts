import type { FetchLike } from "../src/index.js";

export interface RecordedCall {
  readonly url: string;
  readonly init: RequestInit;
}

/** A fetch that answers from `handler` and records every call, like httpx.MockTransport. */
export function mockFetch(
  handler: (call: RecordedCall, attempt: number) => Response | Promise<Response>,
): FetchLike & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    const call = { url, init };
    calls.push(call);
    return handler(call, calls.length - 1);
  };
  return Object.assign(fetch, { calls });
}

/** A streaming body that sends `chunks` one by one, then closes (or hangs when `hang`). */
export function sseBody(
  chunks: readonly string[],
  options: { hang?: boolean; signal?: AbortSignal | null | undefined; onCancel?: () => void } = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let index = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      options.signal?.addEventListener("abort", () => controller.error(options.signal?.reason));
    },
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk !== undefined) {
        controller.enqueue(encoder.encode(chunk));
      } else if (!options.hang) {
        controller.close();
      } else {
        return new Promise<void>(() => undefined);
      }
      return undefined;
    },
    cancel() {
      options.onCancel?.();
    },
  });
}

export function sseResponse(body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Response {
  return new Response(body, { headers: { "content-type": "text/event-stream", ...headers } });
}

export function problemResponse(status: number, headers: Record<string, string> = {}): Response {
  const problem = { type: "about:blank", title: `status ${status}`, status, detail: "from the mock" };
  return new Response(JSON.stringify(problem), {
    status,
    headers: { "content-type": "application/problem+json", "x-request-id": `req-${status}`, ...headers },
  });
}

export const CHAT = { messages: [{ role: "user" as const, content: "hello there" }] };

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
