/**
 * The built-in type OIDs given to Sequelize before its first connection (`src/db/typeOids.ts`):
 * the table is what a live server answers, the parsers Sequelize registers from it are the ones its
 * catalog query leads to, the query is skipped, and a model with a database-specific type (an enum)
 * still gets the query.
 */
import { DataTypes, Sequelize } from 'sequelize';
import { createTestDatabase, type TestDatabase } from '../../../../testing/db';
import { pgDriver } from '../../src/db/pgDriver';
import { BUILT_IN_TYPE_OIDS, modelsUseBuiltInTypesOnly, presetBuiltInTypeOids } from '../../src/db/typeOids';
import { initModels } from '../../src/models/todo';

interface ManagerInternals {
  nameOidMap: Record<string, unknown>;
  oidParserMap: Map<number, unknown>;
  enumOids: { oids: number[]; arrayOids: number[] };
  _refreshDynamicOIDs(connection?: unknown): Promise<void>;
}

const manager = (instance: Sequelize): ManagerInternals => instance.connectionManager as unknown as ManagerInternals;

describe.each(['MAIN', 'AUTH'] as const)('against the %s server', (role) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(role);
  });
  afterAll(async () => {
    await db.drop();
  });

  const instance = (): Sequelize =>
    new Sequelize({ dialect: 'postgres', dialectModule: pgDriver, host: db.host, port: db.port, database: db.database, username: db.user, password: db.password, logging: false, pool: { max: 1 }, databaseVersion: '13.0.0' } as never);

  test('the table is what the server itself answers, and leads Sequelize to the same parsers', async () => {
    const dynamic = instance();
    await dynamic.authenticate();
    const live = manager(dynamic).nameOidMap;
    for (const [name, oids] of Object.entries(BUILT_IN_TYPE_OIDS)) expect([name, live[name]]).toEqual([name, oids]);

    const preset = instance();
    presetBuiltInTypeOids(preset);
    await preset.authenticate();
    // Sequelize's parsers from the catalog query, minus the database's enums (none preset, none here).
    const enumOids = new Set([...manager(dynamic).enumOids.oids, ...manager(dynamic).enumOids.arrayOids]);
    const expected = [...manager(dynamic).oidParserMap.keys()].filter((oid) => !enumOids.has(oid)).sort((a, b) => a - b);
    expect([...manager(preset).oidParserMap.keys()].sort((a, b) => a - b)).toEqual(expected);
    await Promise.all([dynamic.close(), preset.close()]);
  });

  test('with the models built in, the first connection skips the catalog query', async () => {
    const sequelize = instance();
    initModels(sequelize);
    presetBuiltInTypeOids(sequelize);
    const refresh = jest.spyOn(manager(sequelize), '_refreshDynamicOIDs');
    await sequelize.authenticate();
    expect(refresh).not.toHaveBeenCalled();
    expect(manager(sequelize).nameOidMap).toEqual(BUILT_IN_TYPE_OIDS);
    await sequelize.close();
  });

  test('a model with an enum (or an array of one) keeps the catalog query', async () => {
    for (const type of [DataTypes.ENUM('a', 'b'), DataTypes.ARRAY(DataTypes.ENUM('a', 'b'))]) {
      const sequelize = instance();
      sequelize.define('Thing', { state: { type } });
      presetBuiltInTypeOids(sequelize);
      expect(modelsUseBuiltInTypesOnly(sequelize)).toBe(false);
      const refresh = jest.spyOn(manager(sequelize), '_refreshDynamicOIDs');
      await sequelize.authenticate();
      expect(refresh).toHaveBeenCalledTimes(1);
      await sequelize.close();
    }
  });
});
