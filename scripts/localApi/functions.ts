import type { HttpHandler } from '@lambdas/shared';
import type { Route } from '@lambdas/shared/routes';

/**
 * Where each HTTP function's handler module lives: the same `lambdas/<name>/src/handler.ts` entry the
 * deployment bundles. Typed by the manifest's function names, so a new function fails to compile
 * here until it is added. Loaded lazily: importing a handler module creates its Sequelize instance,
 * which must happen after `pnpm dev` has chosen the database.
 */
export const HTTP_FUNCTIONS: { readonly [F in Route['function']]: () => Promise<{ handler: HttpHandler }> } = {
  health: () => import('@lambdas/health'),
  todos: () => import('@lambdas/todos'),
};
