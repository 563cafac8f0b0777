/**
 * Sequelize's postgres connection manager reads every base and enum type's OID from the catalog on
 * its first connection (a join of `pg_type` and `pg_range`, ~360 rows), to register its own parsers
 * for them. On a cold start that is one more round trip, a catalog scan on a fresh backend (tens of
 * ms on a cold catalog cache) and the parsing of the rows, before the first real query.
 *
 * The built-in types have fixed OIDs (PostgreSQL's `pg_type.dat`; the same in every version), so
 * the map for them is written here, and given to Sequelize before its first connection: it then
 * registers exactly the parsers the catalog query would have led to, and skips the query.
 * `test/db/typeOids.test.ts` checks the table against a live server's own answer.
 *
 * The OIDs of an enum or of an extension's type (citext, PostGIS, hstore) differ per database: when a
 * model uses one, nothing is preset and Sequelize queries the catalog as before. (Arrays of an enum
 * read by a raw query, with no model declaring the enum, then come back as PostgreSQL's text form.)
 */
import type { Sequelize } from 'sequelize';
import { hasTypeOids, presetTypeOids, type TypeOids } from './sequelizeInternals';

/** The types Sequelize's postgres data types name, and the subtypes of the built-in ranges. */
export const BUILT_IN_TYPE_OIDS: Readonly<Record<string, TypeOids>> = {
  bool: { oid: 16, arrayOid: 1000 },
  bytea: { oid: 17, arrayOid: 1001 },
  char: { oid: 18, arrayOid: 1002 },
  int8: { oid: 20, arrayOid: 1016, rangeOid: 3926, arrayRangeOid: 3927 },
  int2: { oid: 21, arrayOid: 1005 },
  int4: { oid: 23, arrayOid: 1007, rangeOid: 3904, arrayRangeOid: 3905 },
  text: { oid: 25, arrayOid: 1009 },
  float4: { oid: 700, arrayOid: 1021 },
  float8: { oid: 701, arrayOid: 1022 },
  bpchar: { oid: 1042, arrayOid: 1014 },
  varchar: { oid: 1043, arrayOid: 1015 },
  date: { oid: 1082, arrayOid: 1182, rangeOid: 3912, arrayRangeOid: 3913 },
  timestamp: { oid: 1114, arrayOid: 1115, rangeOid: 3908, arrayRangeOid: 3909 },
  timestamptz: { oid: 1184, arrayOid: 1185, rangeOid: 3910, arrayRangeOid: 3911 },
  numeric: { oid: 1700, arrayOid: 1231, rangeOid: 3906, arrayRangeOid: 3907 },
};

/** Data types whose OIDs only the database knows. */
const DATABASE_SPECIFIC = new Set(['ENUM', 'CITEXT', 'GEOMETRY', 'GEOGRAPHY', 'HSTORE']);

interface TypeLike {
  key?: string;
  type?: TypeLike;
  options?: { subtype?: TypeLike };
}

function databaseSpecific(type: TypeLike | undefined): boolean {
  if (type === undefined || typeof type !== 'object') return false;
  if (DATABASE_SPECIFIC.has(type.key ?? '')) return true;
  // ARRAY(type) and RANGE(subtype) carry the inner type.
  return databaseSpecific(type.type) || databaseSpecific(type.options?.subtype);
}

/** Whether every attribute of every model has a built-in type. */
export function modelsUseBuiltInTypesOnly(instance: Sequelize): boolean {
  for (const model of Object.values(instance.models)) {
    for (const attribute of Object.values(model.getAttributes())) {
      if (databaseSpecific(attribute.type as TypeLike)) return false;
    }
  }
  return true;
}

/**
 * Presets the built-in OIDs before the instance's first connection (a `beforeConnect` hook, so the
 * models defined by then are the ones checked). Does nothing once the map is filled.
 */
export function presetBuiltInTypeOids(instance: Sequelize): void {
  instance.addHook('beforeConnect', 'builtInTypeOids', () => {
    if (!hasTypeOids(instance) && modelsUseBuiltInTypesOnly(instance)) presetTypeOids(instance, BUILT_IN_TYPE_OIDS);
  });
}
