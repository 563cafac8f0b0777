import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { defineBundledFunction } from '../bundledFunction';
import { baseEnvironment } from '../environment';

/**
 * `GET /health`: one `SELECT 1`. 10 s covers a cold start's Secrets Manager call plus a TLS + SCRAM
 * handshake (the shared pool gives up after 3 s and answers 503, well inside the timeout).
 * 256 MB: the work is tiny; the extra CPU of more memory mostly speeds up the cold parse of the
 * bundle (≈ 0.95 MB from scripts/bundle.ts), which the health check can afford to pay.
 */
export const health = defineBundledFunction({
  name: 'health',
  timeoutSeconds: 10,
  memoryMB: 256,
  environment: baseEnvironment('health'),
  logRetention: RetentionDays.ONE_MONTH,
});
