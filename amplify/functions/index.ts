import type { FunctionName } from '@lambdas/shared/routes';
import { health } from './health/resource';
import { migrate } from './migrate/resource';
import { todos } from './todos/resource';

/** Every function of the manifest's `FUNCTION_NAMES`, keyed by that name (a missing one fails typecheck). */
export const functions = { health, todos, migrate } satisfies Record<FunctionName, unknown>;
