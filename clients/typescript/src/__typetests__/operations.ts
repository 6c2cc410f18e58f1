// Compiled by `tsc --noEmit -p .` (scripts/test), never run: each `@ts-expect-error` must stay an
// error, and each annotated assignment must stay legal, or the type check fails. The grown
// contract's shapes (query, 204, answers with headers, more streams) are pinned the same way by
// tests/fixtures/grown_type_tests.ts, checked in a scratch tree regenerated with that contract.
import {
  AuthenticationError,
  type ErrorBody,
  type GetModelArgs,
  type Model,
  type ModelList,
  NotFoundError,
  type StreamspecClient,
  UnprocessableEntityError,
  clientOperations,
} from "../index.js";

declare const client: StreamspecClient;

export async function aPathParameterIsARequiredKeyOfTheArgument(): Promise<string> {
  const model: Model = await client.getModel({ model_id: "echo" });
  // @ts-expect-error the path parameter is required
  await client.getModel({});
  // @ts-expect-error getModel has an argument, so it cannot be left out
  await client.getModel();
  // @ts-expect-error a path parameter is a string
  await client.getModel({ model_id: 1 });
  // @ts-expect-error no such parameter
  await client.getModel({ model_id: "echo", model: "echo" });
  const args: GetModelArgs = { model_id: "echo" };
  return model.owned_by + args.model_id;
}

export async function anOperationWithoutArgumentsTakesNoneAndRequestOptions(signal: AbortSignal): Promise<number> {
  const list: ModelList = await client.listModels();
  await client.listModels({}, { signal, headers: { "x-request-id": "mine" } });
  // @ts-expect-error listModels takes no parameter
  await client.listModels({ limit: 3 });
  // @ts-expect-error a request option is a signal or headers
  await client.listModels({}, { retries: 3 });
  return list.models.length;
}

export async function theResultIsTheContractsModel(): Promise<void> {
  const model = await client.getModel({ model_id: "echo" });
  // @ts-expect-error Model has no `name`
  void model.name;
  const health = await client.getHealth();
  const status: "ok" = health.status;
  void status;
}

export function documentedErrorsAreTypedClasses(error: unknown): void {
  if (error instanceof NotFoundError) {
    const status: 404 = error.status;
    const body: ErrorBody = error.problem;
    void [status, body.title];
  }
  if (error instanceof UnprocessableEntityError) {
    const fields: { location: string; message: string }[] | undefined = error.problem.errors;
    void fields;
  }
  if (error instanceof AuthenticationError) {
    // @ts-expect-error a 401 is not a 404
    const status: 404 = error.status;
    void status;
  }
}

export const getModelSendsItsPathParameter: readonly [{ readonly name: "model_id"; readonly in: "path" }] =
  clientOperations.getModel.parameters;
export const getModelDocuments404: (typeof clientOperations.getModel.errors)[number] = 404;
