/**
 * The one place this package reaches past Sequelize's public API (Sequelize 6). Everything else
 * uses public seams: the `beforeConnect`/`afterConnect` hooks, `dialectModule`, and the pool's
 * `validate` option. `test/db/sequelizeInternals.test.ts` fails when the Sequelize in use no longer
 * has what this file relies on; recheck it when moving to Sequelize 7.
 *
 * 1. `connectionManager.connect(config)`: opens one physical connection, called by the pool's
 *    `create` after the `beforeConnect` hook. Wrapped so that a connection the database refuses
 *    with a rotated password is retried at once with the password the credential search finds:
 *    no public hook can retry a connect (a hook can only change the config or throw).
 * 2. `connectionManager.initPools()` and the `getConnection` stub `close()` installs: reopening the
 *    pool after `sequelize.close()`, as Sequelize's own AWS Lambda guide does.
 * 3. pg's `_ending` and Sequelize's `_invalid` flags on a client: Sequelize's query path sets
 *    `_invalid` when a query fails on a broken socket or times out client-side (`Query read
 *    timeout`), and its own pool check reads both. Our `validate` replaces that check, so it must
 *    read them too (beside our driver's own marker, `pgDriver.ts`).
 * 4. The postgres connection manager's type-OID map (`nameOidMap`, `enumOids`) and
 *    `refreshTypeParser`: its first connection fills the map with a catalog query over `pg_type`
 *    unless the map is already filled. `db/typeOids.ts` fills it beforehand with the built-in
 *    types' fixed OIDs, saving that query on every cold start.
 */
import type { Sequelize } from 'sequelize';

/** What a physical connection attempt receives: Sequelize's per-connection copy of its config. */
export interface ConnectionConfig {
  dialectOptions?: Record<string, unknown>;
  host?: string;
  port?: number | string;
  database?: string;
  username?: string;
  password?: string;
}

export type Connect = (config: ConnectionConfig) => Promise<unknown>;

interface ConnectionManagerInternals {
  connect: Connect;
  initPools(): void;
  getConnection?: unknown;
}

const managerOf = (instance: Sequelize): ConnectionManagerInternals => instance.connectionManager as unknown as ConnectionManagerInternals;

const wrapped = new WeakSet<object>();

/** Routes every physical connection attempt of `instance` through `wrapper` (once per instance). */
export function wrapConnect(instance: Sequelize, wrapper: (connect: Connect, config: ConnectionConfig) => Promise<unknown>): void {
  const manager = managerOf(instance);
  if (wrapped.has(manager)) return;
  wrapped.add(manager);
  const connect: Connect = manager.connect.bind(manager);
  manager.connect = (config) => wrapper(connect, config);
}

/** After `instance.close()`: new pools, and the real `getConnection` back (close() replaces it with one that throws). */
export function reopenPools(instance: Sequelize): void {
  const manager = managerOf(instance);
  manager.initPools();
  if (Object.hasOwn(manager, 'getConnection')) delete manager.getConnection;
}

/** Sequelize's own verdict on a pooled pg client: not marked invalid and not ending. */
export function sequelizeConsidersUsable(connection: object): boolean {
  const flags = connection as { _invalid?: boolean; _ending?: boolean };
  return !flags._invalid && !flags._ending;
}

/** A type's OIDs as Sequelize's postgres connection manager keeps them (`nameOidMap[typname]`). */
export interface TypeOids {
  oid: number;
  arrayOid?: number;
  rangeOid?: number;
  arrayRangeOid?: number;
}

interface TypeOidInternals {
  nameOidMap: Record<string, TypeOids>;
  enumOids: { oids: number[]; arrayOids: number[] };
  refreshTypeParser(dataTypes: unknown): void;
}

const typeOidsOf = (instance: Sequelize): TypeOidInternals => instance.connectionManager as unknown as TypeOidInternals;

/** Whether the connection manager knows type OIDs already (read by a connection, or preset). */
export function hasTypeOids(instance: Sequelize): boolean {
  const manager = typeOidsOf(instance);
  return Object.keys(manager.nameOidMap).length > 0 || manager.enumOids.oids.length > 0 || manager.enumOids.arrayOids.length > 0;
}

/** Gives the connection manager `oids` as its first connection's catalog query would, and registers Sequelize's parsers for them. */
export function presetTypeOids(instance: Sequelize, oids: Record<string, TypeOids>): void {
  const manager = typeOidsOf(instance);
  manager.nameOidMap = structuredClone(oids);
  manager.refreshTypeParser((instance as unknown as { dialect: { DataTypes: unknown } }).dialect.DataTypes);
}
