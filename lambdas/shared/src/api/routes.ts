/**
 * The route manifest: the one list of the HTTP API's routes, and the one route matcher.
 * `amplify/backend.ts` creates API Gateway routes from it, the local server (`pnpm dev`) and the
 * handlers dispatch with it, `pnpm invoke` decides what to sign with it; nothing else lists or
 * matches routes. This module has no imports so infrastructure code can read it
 * (`@lambdas/shared/routes`) without loading the runtime.
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

// ---- Matching a request to a route, as API Gateway does ----------------------------------------

export type RouteMatch =
  | { kind: 'matched'; route: Route; routeKey: string; pathParameters: Record<string, string> }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // A stray `%` is kept as sent; validation then rejects it.
  }
}

/** The path parameters when `path` fits the API Gateway template (`/todos/{id}`), else `undefined`. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = got[index] ?? '';
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name === undefined) {
      if (part !== actual) return undefined;
    } else {
      if (actual === '') return undefined;
      params[name] = decodeSegment(actual);
    }
  }
  return params;
}

/**
 * Which route of the manifest serves `method path`, as API Gateway would choose it. A path that
 * exists with other methods is a 405 (with those methods), an unknown path a 404.
 */
export function findRoute(method: string, path: string, routes: readonly Route[] = ROUTES): RouteMatch {
  const allow: string[] = [];
  for (const route of routes) {
    const pathParameters = matchPath(route.path, path);
    if (pathParameters === undefined) continue;
    if (route.method === method.toUpperCase()) return { kind: 'matched', route, routeKey: routeKey(route), pathParameters };
    allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
}
