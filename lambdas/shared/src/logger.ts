import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured logger of the project: JSON, one object per line, on stdout.
 * Function packages create children (`logger.createChild({ serviceName })`) or call
 * `logger.addContext(context)` so that every line carries the function name and request id.
 *
 * The service name and level come from Powertools' own variables (POWERTOOLS_SERVICE_NAME,
 * POWERTOOLS_LOG_LEVEL), so operators tune them without a deploy of new code.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lambdas' });

/** What a log line may say about an error: its class and message, never its stack or cause chain. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: typeof error, message: String(error) };
}
