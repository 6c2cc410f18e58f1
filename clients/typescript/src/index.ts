import createClient from "openapi-fetch";
import type { paths } from "./gen/openapi.js";

export type { components, operations, paths } from "./gen/openapi.js";

export const createRawClient = (baseUrl: string) => createClient<paths>({ baseUrl });
