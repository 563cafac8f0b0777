import type { PgServer } from '../tools/localPostgres';

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as { __embeddedPostgres?: PgServer[] }).__embeddedPostgres ?? [];
  await Promise.all(servers.map((server) => server.stop()));
}
