import { ROUTES, routeKey, type Route } from '../routes';

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
