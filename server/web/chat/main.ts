// The chat page served at `/`: the TypeScript SDK in a browser, bundled by esbuild (scripts/lib/assets.sh).
import {
  APIStatusError,
  type StreamspecClient,
  StreamError,
  StreamspecError,
  createClient,
} from "../../../clients/typescript/src/index.js";

type State = "idle" | "streaming" | "done" | "stopped" | "error";

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page has no #${id}`);
  return found;
}

const form = element("chat-form", HTMLFormElement);
const prompt = element("prompt", HTMLTextAreaElement);
const apiKey = element("api-key", HTMLInputElement);
const send = element("send", HTMLButtonElement);
const stop = element("stop", HTMLButtonElement);
const reply = element("reply", HTMLOutputElement);
const status = element("status", HTMLParagraphElement);

// The API sits beside the page, so the page also works under a path prefix.
const baseUrl = new URL(".", document.baseURI).href.replace(/\/$/, "");
let running: AbortController | null = null;

function show(state: State, text: string): void {
  status.dataset["state"] = state;
  status.textContent = text;
  const streaming = state === "streaming";
  send.disabled = streaming;
  stop.disabled = !streaming;
}

function describe(error: unknown): string {
  if (error instanceof APIStatusError) {
    const fields = error.problem.errors?.map((e) => `${e.location}: ${e.message}`).join("; ");
    return `${error.name} (${error.status}): ${error.problem.detail ?? error.problem.title}${fields ? ` [${fields}]` : ""}`;
  }
  if (error instanceof StreamError) {
    return `${error.name} (${error.problem.status}): ${error.problem.detail ?? error.problem.title}`;
  }
  if (error instanceof StreamspecError) return `${error.name}: ${error.message}`;
  return `Error: ${String(error)}`;
}

async function chat(client: StreamspecClient, content: string, signal: AbortSignal): Promise<void> {
  reply.textContent = "";
  show("streaming", "Streaming…");
  try {
    for await (const event of client.streamChat({ messages: [{ role: "user", content }] }, { signal })) {
      if (event.event === "delta") {
        reply.append(event.data.content);
      } else if (event.event === "done") {
        show("done", `Done (${event.data.finish_reason}, model ${event.data.model})`);
      }
    }
    if (status.dataset["state"] === "streaming") show("done", "Done");
  } catch (error) {
    if (signal.aborted) {
      show("stopped", "Stopped");
    } else {
      show("error", describe(error));
    }
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const content = prompt.value;
  if (!content.trim() || running) return;
  const controller = new AbortController();
  running = controller;
  const client = createClient({ baseUrl, apiKey: apiKey.value || undefined });
  void chat(client, content, controller.signal).finally(() => {
    if (running === controller) running = null;
  });
});

stop.addEventListener("click", () => running?.abort());

show("idle", "Ready");
