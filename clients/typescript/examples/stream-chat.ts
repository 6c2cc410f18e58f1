// Stream a reply and print it as it arrives:
//   STREAMSPEC_URL=http://127.0.0.1:8000 STREAMSPEC_API_KEY=key-alpha npm run -s example:stream -- "hello there"
import { APIStatusError, StreamspecError, createClient } from "../src/index.js";

const prompt = process.argv[2] ?? "Hello!";
const client = createClient({
  baseUrl: process.env["STREAMSPEC_URL"] ?? "http://127.0.0.1:8000",
  apiKey: process.env["STREAMSPEC_API_KEY"],
});

try {
  for await (const event of client.streamChat({ messages: [{ role: "user", content: prompt }] })) {
    if (event.event === "delta") process.stdout.write(event.data.content);
  }
  process.stdout.write("\n");
} catch (error) {
  if (!(error instanceof StreamspecError)) throw error;
  const request = error instanceof APIStatusError ? ` (request ${error.requestId})` : "";
  process.stderr.write(`${error.name}: ${error.message}${request}\n`);
  process.exitCode = 1;
}
