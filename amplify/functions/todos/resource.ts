import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { defineBundledFunction } from '../bundledFunction';
import { baseEnvironment } from '../environment';

/**
 * The `/todos` routes. 15 s: a cold start (secret fetch, connect) plus a query bounded by the shared
 * statement_timeout (5 s), and below API Gateway's 30 s integration limit so a slow request is ours
 * to answer, not the gateway's 503. 512 MB: user-facing latency; Lambda's CPU share scales with
 * memory, which shortens the cold start of the Sequelize bundle (≈ 0.95 MB once scripts/bundle.ts
 * has cut moment-timezone's zone data and the other dialects; see docs/performance.md).
 */
export const todos = defineBundledFunction({
  name: 'todos',
  timeoutSeconds: 15,
  memoryMB: 512,
  environment: baseEnvironment('todos'),
  logRetention: RetentionDays.ONE_MONTH,
});
