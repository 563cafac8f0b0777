/** API Gateway HTTP API events for the two measured routes, built by the local server's own code. */
import { toHttpApiEvent } from '../scripts/localApi/apiGatewayEvent';

const request = (url: string): Parameters<typeof toHttpApiEvent>[0] => ({ method: 'GET', url, headers: { host: 'api.local', 'user-agent': 'bench' }, body: Buffer.alloc(0), sourceIp: '127.0.0.1' });

export const getTodoEvent = (id: string): unknown => toHttpApiEvent(request(`/todos/${id}`), { routeKey: 'GET /todos/{id}', pathParameters: { id } });

export const listTodosEvent = (): unknown => toHttpApiEvent(request('/todos?limit=20'), { routeKey: 'GET /todos', pathParameters: {} });
