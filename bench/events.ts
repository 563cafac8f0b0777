/** API Gateway HTTP API events for the measured routes, built by the local server's own code. */
import { toHttpApiEvent } from '../scripts/localApi/apiGatewayEvent';

const request = (url: string, body?: unknown): Parameters<typeof toHttpApiEvent>[0] =>
  body === undefined
    ? { method: 'GET', url, headers: { host: 'api.local', 'user-agent': 'bench' }, body: Buffer.alloc(0), sourceIp: '127.0.0.1' }
    : { method: 'POST', url, headers: { host: 'api.local', 'user-agent': 'bench', 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), sourceIp: '127.0.0.1' };

export const getTodoEvent = (id: string): unknown => toHttpApiEvent(request(`/todos/${id}`), { routeKey: 'GET /todos/{id}', pathParameters: { id } });

export const listTodosEvent = (): unknown => toHttpApiEvent(request('/todos?limit=20'), { routeKey: 'GET /todos', pathParameters: {} });

export const createTodoEvent = (i: number): unknown => toHttpApiEvent(request('/todos', { title: `scale ${i}` }), { routeKey: 'POST /todos', pathParameters: {} });
