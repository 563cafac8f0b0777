import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { defineBundledFunction } from '../bundledFunction';
import { MIGRATION_STATEMENT_TIMEOUT_MS } from '@lambdas/migrate/limits';
import { baseEnvironment } from '../environment';

/**
 * Applies the schema migrations; run by the deploy (a CDK trigger), never by the API. 300 s: a
 * migration may wait on the advisory lock held by a concurrent run and then rewrite tables; a
 * timeout fails the deployment, so leave room. 512 MB: not latency-sensitive, but DDL on a large
 * table holds results in memory.
 */
export const migrate = defineBundledFunction({
  name: 'migrate',
  timeoutSeconds: 300,
  memoryMB: 512,
  // DDL and the wait for a concurrent run's advisory lock may take minutes: lift the API's 5 s
  // statement timeout to just under the function timeout.
  environment: { ...baseEnvironment('migrate'), DB_STATEMENT_TIMEOUT_MS: String(MIGRATION_STATEMENT_TIMEOUT_MS) },
  logRetention: RetentionDays.ONE_MONTH,
});
