// List the provider's models, then describe the first one, with typed errors:
//   STREAMSPEC_URL=http://127.0.0.1:8000 STREAMSPEC_API_KEY=key-alpha npm run -s example:models
import { NotFoundError, StreamspecError, createClient } from "../src/index.js";

const client = createClient({
  baseUrl: process.env["STREAMSPEC_URL"] ?? "http://127.0.0.1:8000",
  apiKey: process.env["STREAMSPEC_API_KEY"],
});

try {
  const { models } = await client.listModels();
  for (const model of models) process.stdout.write(`${model.id}\n`);
  const first = await client.getModel({ model_id: process.argv[2] ?? models[0]?.id ?? "echo" });
  process.stdout.write(`${first.id} is offered by ${first.owned_by}\n`);
} catch (error) {
  if (!(error instanceof StreamspecError)) throw error;
  const hint = error instanceof NotFoundError ? " (not one of the listed models)" : "";
  process.stderr.write(`${error.name}: ${error.message}${hint}\n`);
  process.exitCode = 1;
}
