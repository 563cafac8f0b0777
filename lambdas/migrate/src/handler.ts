/**
 * The `migrate` function: applies pending schema migrations. The deployment invokes it after every
 * deploy (the Amplify backend); `pnpm db:migrate` runs the same `runMigrations` locally. It is not
 * behind an HTTP route. A failure is thrown, so the invocation (and a deploy waiting on it) fails.
 */
import type { Context } from 'aws-lambda';
import { connectToDatabase, describeError, logger } from '@lambdas/shared';
import { runMigrations, type MigrationResult } from './migrator';
import { appRoleFromEnvironment } from './roles/fromEnvironment';

/** A direct invocation takes no input; a CloudFormation custom-resource `Delete` must not touch the schema. */
export interface MigrateEvent {
  RequestType?: 'Create' | 'Update' | 'Delete';
}

export type MigrateResponse = MigrationResult & { skipped: boolean };

export async function handler(event: MigrateEvent | null | undefined, context: Context): Promise<MigrateResponse> {
  const started = performance.now();
  logger.addContext(context);
  try {
    if (event?.RequestType === 'Delete') {
      logger.info('Stack deletion: schema left as it is');
      return { applied: [], executed: [], skipped: true };
    }
    const appRole = await appRoleFromEnvironment();
    const result = await runMigrations(await connectToDatabase(), undefined, { appRole });
    logger.info('Migrations complete', { applied: result.applied, total: result.executed.length, appRole: result.appRole?.user, durationMs: Math.round(performance.now() - started) });
    return { ...result, skipped: false };
  } catch (error) {
    logger.error('Migrations failed', { error: describeError(error), durationMs: Math.round(performance.now() - started) });
    throw error;
  } finally {
    logger.resetKeys();
  }
}
