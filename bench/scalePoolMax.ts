/**
 * `npx tsx bench/scalePoolMax.ts`: how often a container's pool ends up holding two server
 * sessions with `max: 2` (today's `LAMBDA_POOL`) and with `max: 1`, on the recovery paths of
 * docs/scale.md ("Left open"). A server with 5 slots for the application role and 8 containers
 * (separate processes, the real bundled handler); per round: a storm (every container calls 8 times
 * at once), then the containers holding a slot are frozen, their sessions ended, and thawed, each
 * calling until served. Counts containers holding two sessions after the storm and after the thaw.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildContainerBundle, startContainers } from '../tools/containerFleet';
import { startEmbeddedPostgres } from '../tools/localPostgres';
import { prepareAppDatabase } from '../tools/scaleDatabase';
import { listTodosEvent } from './events';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = 6;

async function main(): Promise<void> {
  const server = await startEmbeddedPostgres({ settings: { max_connections: '9', superuser_reserved_connections: '3' } });
  const dir = mkdtempSync(join(tmpdir(), 'scale-pool-max-'));
  try {
    const db = await prepareAppDatabase(server, { database: 'scale', role: 'scale_app', password: `scale-${Math.random().toString(36).slice(2)}` });
    await db.seed(50);
    const bundle = await buildContainerBundle(root, dir);
    for (const max of ['2', '1']) {
      const base = { PATH: process.env.PATH, NODE_ENV: 'development', DB_HOST: db.app.host, DB_PORT: String(db.app.port), DB_NAME: db.app.database, DB_USER: db.app.user, DB_PASSWORD: db.app.password, POWERTOOLS_LOG_LEVEL: 'ERROR', SCALE_POOL_MAX: max };
      const containers = await startContainers(bundle, 8, (i) => ({ name: `max${max}-${i}`, env: { ...base, AWS_LAMBDA_FUNCTION_NAME: `max${max}-${i}` } }));
      let afterStorm = 0;
      let afterThaw = 0;
      let unserved = 0;
      for (let round = 0; round < ROUNDS; round += 1) {
        await Promise.all(containers.map((c) => c.closePool()));
        await db.terminateAppSessions();
        await Promise.all(containers.map((c) => c.run({ events: [listTodosEvent()], count: 8 })));
        const held = await db.appSessions();
        afterStorm += [...held.values()].filter((n) => n > 1).length;
        const holding = containers.filter((c) => held.has(c.name));
        holding.forEach((c) => c.freeze());
        await db.terminateAppSessions();
        holding.forEach((c) => c.thaw());
        const thawed = await Promise.all(holding.map((c) => c.run({ events: [listTodosEvent()], durationMs: 4_000, pauseMs: 250, stopOn: [200] })));
        afterThaw += [...(await db.appSessions()).values()].filter((n) => n > 1).length;
        unserved += thawed.filter((report) => report.status.at(-1) !== 200).length;
      }
      process.stdout.write(`pool max ${max}, ${ROUNDS} rounds: containers holding 2 sessions after the storm ${afterStorm}, after the thaw ${afterThaw}; thawed containers not served within 4 s ${unserved}\n`);
      await Promise.all(containers.map((c) => c.stop()));
    }
    await db.close();
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
