/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route manifest (`routes.ts`) and the
 * zod schemas the handlers validate with (`operations.ts`, `schemas.ts`) and the response schemas
 * (`responseSchemas.ts`) by zod 4's own
 * `z.toJSONSchema` (JSON Schema 2020-12, the dialect of OpenAPI 3.1). Nothing here is written by hand
 * per route, so the document describes exactly what the code accepts.
 */
import { z } from 'zod';
import { ROUTES, routeKey } from './routes';
import { operationFor, type OperationSpec } from './operations';
import { RESPONSE_SCHEMAS } from './responseSchemas';

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string; description: string }>;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
}

/** Response schemas shared by several operations: emitted once under `components.schemas`. */
const COMPONENTS = Object.entries(RESPONSE_SCHEMAS);

const componentRef = (id: string): string => `#/components/schemas/${id}`;

/** Drops the per-document keywords zod adds; inside an OpenAPI document they are implied. */
function embeddable(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [key, schema] of COMPONENTS) {
    const id = z.globalRegistry.get(schema)?.id;
    if (id !== key) throw new Error(`RESPONSE_SCHEMAS.${key} needs .meta({ id: '${key}' })`);
    registry.add(schema, { id });
  }
  const generated = z.toJSONSchema(registry, { uri: componentRef }).schemas;
  return Object.fromEntries(Object.entries(generated).map(([id, schema]) => [id, embeddable(schema as JsonSchema)]));
}

/** What a client must send: the schema's input side (before defaults and transforms apply). */
function requestSchema(schema: z.core.$ZodType): JsonSchema {
  return embeddable(z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as JsonSchema);
}

/** Path or query parameters, one entry per property of the object schema. */
function parameters(schema: z.core.$ZodType | undefined, location: 'path' | 'query'): unknown[] {
  if (schema === undefined) return [];
  const object = requestSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || (object.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function operationObject(operation: OperationSpec, auth: 'public' | 'iam'): Record<string, unknown> {
  const responses = Object.fromEntries(
    Object.entries(operation.responses).map(([status, response]) => {
      const schema = response.schema === undefined ? undefined : { $ref: componentRef(response.schema) };
      return [
        status,
        {
          description: response.description,
          ...(response.headers ? { headers: Object.fromEntries(Object.entries(response.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) } : {}),
          ...(schema ? { content: { 'application/json': { schema } } } : {}),
        },
      ];
    }),
  );
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    tags: [operation.tag],
    ...(auth === 'iam' ? { security: [{ sigv4: [] }] } : { security: [] }),
    parameters: [
      ...parameters(operation.params, 'path'),
      ...parameters(operation.query, 'query'),
      ...Object.entries(operation.headers ?? {}).map(([name, header]) => ({ name, in: 'header', required: false, description: header.description, schema: header.schema })),
    ],
    ...(operation.body ? { requestBody: { required: true, content: { 'application/json': { schema: requestSchema(operation.body) } } } } : {}),
    responses,
  };
}

/** The OpenAPI document; `serverUrl` is where the API is served (the local server passes its own). */
export function buildOpenApiDocument(serverUrl = 'http://127.0.0.1:3000'): OpenApiDocument {
  const schemas = componentSchemas();
  const paths: OpenApiDocument['paths'] = {};
  for (const route of ROUTES) {
    const operation = operationFor(routeKey(route));
    if (operation === undefined) throw new Error(`Route ${routeKey(route)} has no entry in OPERATIONS`);
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operationObject(operation, route.auth);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Todos API',
      version: '1.0.0',
      description: 'HTTP API (API Gateway HTTP API, Lambda payload 2.0) backed by PostgreSQL. Errors: `{ code, message, details? }` (flat: Amplify JS names its `ApiError` after `code`); unknown query parameters are ignored; an unsupported method on a known path is a 405 with an `Allow` header. Responses carrying one todo have an `ETag`; `If-Match` on PATCH and DELETE makes the change conditional (412 when stale).',
    },
    servers: [{ url: serverUrl, description: 'Local API server (`pnpm dev`)' }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS Signature Version 4 (API Gateway IAM authorization). Not enforced by the local server.' },
      },
    },
  };
}
