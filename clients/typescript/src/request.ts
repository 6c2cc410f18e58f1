import { StreamspecError } from "./errors.js";
import type { OperationDescriptor } from "./gen/client.js";

/** The parts of a request that come from an operation and its argument object. */
export interface BuiltRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body?: string;
}

/**
 * Split a method's argument object by the operation's descriptor: its parameters go into the
 * path, the query string or the headers, and its other keys are the JSON body's properties (or
 * its `body` key is the body). Keys whose value is `undefined` are left out, as JSON.stringify
 * leaves them out of a body.
 */
export function buildRequest(
  baseUrl: string,
  operation: OperationDescriptor,
  args: Readonly<Record<string, unknown>> | undefined,
  headers: Headers,
): BuiltRequest {
  const rest: Record<string, unknown> = { ...args };
  let path = operation.path;
  const query = new URLSearchParams();
  for (const parameter of operation.parameters) {
    const value = rest[parameter.name];
    delete rest[parameter.name];
    if (parameter.in === "path") {
      if (value === undefined) {
        throw new StreamspecError(`${operation.operationId} needs its path parameter ${parameter.name}`);
      }
      path = path.replace(`{${parameter.name}}`, encodeURIComponent(scalar(value)));
    } else if (value === undefined) {
      continue;
    } else if (parameter.in === "query") {
      for (const item of Array.isArray(value) ? value : [value]) query.append(parameter.name, scalar(item));
    } else {
      headers.set(parameter.name, scalar(value));
    }
  }
  const encoded = query.toString();
  const search = encoded ? `?${encoded}` : "";
  const request = { url: baseUrl + path + search, method: operation.method, headers };
  const body = requestBody(operation, rest);
  if (body === undefined) return request;
  headers.set("content-type", "application/json");
  return { ...request, body: JSON.stringify(body) };
}

function requestBody(operation: OperationDescriptor, rest: Record<string, unknown>): unknown {
  if (operation.body === "key") return rest["body"];
  if (operation.body === null) return undefined;
  const given = Object.values(rest).some((value) => value !== undefined);
  return given || operation.bodyRequired ? rest : undefined;
}

function scalar(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  throw new StreamspecError(`a parameter must be a string, number or boolean, got ${typeof value}`);
}
