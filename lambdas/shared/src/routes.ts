/**
 * The route manifest: the one list of the HTTP API's routes. `amplify/backend.ts` creates API
 * Gateway routes from it and the local server (`pnpm dev`) dispatches with it; nothing else lists
 * routes. This module has no imports so infrastructure code can read it without loading the runtime.
 */
export const FUNCTION_NAMES = ['health', 'todos', 'migrate'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `{name}` is a path parameter. */
  readonly path: string;
  readonly function: Exclude<FunctionName, 'migrate'>;
  /** `public` is open to anyone; `iam` needs a SigV4-signed request (unless the deployment opts for public demos). */
  readonly auth: 'public' | 'iam';
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/health', function: 'health', auth: 'public' },
  { method: 'GET', path: '/todos', function: 'todos', auth: 'iam' },
  { method: 'POST', path: '/todos', function: 'todos', auth: 'iam' },
  { method: 'GET', path: '/todos/{id}', function: 'todos', auth: 'iam' },
  { method: 'PATCH', path: '/todos/{id}', function: 'todos', auth: 'iam' },
  { method: 'DELETE', path: '/todos/{id}', function: 'todos', auth: 'iam' },
];

/** The route key API Gateway uses and puts in `event.routeKey`, e.g. `GET /todos/{id}`. */
export const routeKey = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;
