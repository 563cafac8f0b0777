import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { OPERATIONS, buildOpenApiDocument, decodeCursor } from '../../src/api';
import { ROUTES, findRoute, matchPath, routeKey } from '../../src/api/routes';
import { encodeCursor } from '../../src';

describe('the route manifest and the operations', () => {
  it('describe exactly the same routes', () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it('routes as API Gateway does: path parameters, 405 with the allowed methods, 404', () => {
    expect(findRoute('PATCH', '/todos/abc%20d')).toMatchObject({ kind: 'matched', routeKey: 'PATCH /todos/{id}', pathParameters: { id: 'abc d' } });
    expect(findRoute('get', '/todos')).toMatchObject({ kind: 'matched', routeKey: 'GET /todos' });
    expect(findRoute('PUT', '/todos/1')).toEqual({ kind: 'method_not_allowed', allow: ['GET', 'PATCH', 'DELETE'] });
    expect(findRoute('GET', '/todos/1/extra')).toEqual({ kind: 'not_found' });
    expect(findRoute('GET', '/todos/')).toEqual({ kind: 'not_found' });
    expect(matchPath('/todos/{id}', '/todos/%E0%A4%A')).toEqual({ id: '%E0%A4%A' });
  });
});

describe('cursors', () => {
  it('round-trip any position and are opaque base64url', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }), fc.uuid(), (createdAt, id) => {
        const cursor = encodeCursor({ createdAt, id });
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeCursor(cursor)).toEqual({ createdAt, id });
      }),
    );
  });

  it('reject anything this API did not issue', () => {
    fc.assert(fc.property(fc.string(), (text) => expect(decodeCursor(text)).toBeUndefined()));
    const forged = Buffer.from(JSON.stringify({ v: 2, t: new Date().toISOString(), i: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    expect(decodeCursor(forged)).toBeUndefined();
  });
});

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument();

  it('is OpenAPI 3.1 with one operation per manifest route and every $ref resolvable', () => {
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(ROUTES.map(routeKey).sort());
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of refs) expect(Object.keys(document.components.schemas)).toContain(ref.split('/').pop()?.replace('"', ''));
  });

  it('carries the validation rules of the schemas the handlers use', () => {
    const list = document.paths['/todos']?.get as { parameters: Array<{ name: string; schema: Record<string, unknown> }> };
    expect(list.parameters.find((p) => p.name === 'limit')?.schema).toEqual({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    const create = document.paths['/todos']?.post as { requestBody: { content: { 'application/json': { schema: Record<string, unknown> } } } };
    expect(create.requestBody.content['application/json'].schema).toMatchObject({
      additionalProperties: false,
      required: ['title'],
      properties: { title: { type: 'string', minLength: 1, maxLength: 200 } },
    });
    expect(document.paths['/todos/{id}']?.delete).toMatchObject({
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { format: 'uuid' } },
        { name: 'If-Match', in: 'header', required: false },
      ],
    });
  });

  it('documents ETag on every single-todo response, If-Match and 412 on PATCH and DELETE, and the header location of errors', () => {
    const item = document.paths['/todos/{id}'] as Record<string, { parameters: Array<{ name: string; in: string }>; responses: Record<string, { headers?: Record<string, unknown> }> }>;
    expect(Object.keys(item.get?.responses['200']?.headers ?? {})).toEqual(['ETag']);
    expect(Object.keys((document.paths['/todos']?.post as { responses: Record<string, { headers?: object }> }).responses['201']?.headers ?? {})).toEqual(['Location', 'ETag']);
    for (const method of ['patch', 'delete']) {
      expect(item[method]?.parameters.filter((p) => p.in === 'header').map((p) => p.name)).toEqual(['If-Match']);
      expect(item[method]?.responses['412']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
    }
    expect(Object.keys(item.patch?.responses['200']?.headers ?? {})).toEqual(['ETag']);
    expect(item.get?.responses['412']).toBeUndefined();
    expect(JSON.stringify(document.components.schemas.Error)).toContain('"header"');
    expect(JSON.stringify(document.components.schemas.Error)).toContain('precondition_failed');
  });

  it('is committed as docs/openapi.json exactly as generated (run `pnpm docs:openapi` after a change)', () => {
    const committed: unknown = JSON.parse(readFileSync(join(__dirname, '../../../../docs/openapi.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
