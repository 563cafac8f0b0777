import { UnknownDatabaseTypeError } from './errors';

/** What the secret manager knows about each database type it serves. */
export interface DbTypeSpec {
  /** The JDBC sub-protocol: `jdbc:<scheme>://host:port/database`. */
  readonly scheme: string;
  /** The JDBC driver class used when the secret names none. */
  readonly driver: string;
  readonly defaultPort: number;
  /** Values of the `engine` field of AWS's standard RDS/Redshift secrets that belong to this type. */
  readonly engines: readonly string[];
}

export const DB_TYPES = {
  POSTGRES: { scheme: 'postgresql', driver: 'org.postgresql.Driver', defaultPort: 5432, engines: ['postgres', 'postgresql', 'aurora-postgresql'] },
  REDSHIFT: { scheme: 'redshift', driver: 'com.amazon.redshift.jdbc42.Driver', defaultPort: 5439, engines: ['redshift'] },
  MYSQL: { scheme: 'mysql', driver: 'com.mysql.cj.jdbc.Driver', defaultPort: 3306, engines: ['mysql', 'mariadb', 'aurora-mysql', 'aurora'] },
} as const satisfies Record<string, DbTypeSpec>;

export type DbType = keyof typeof DB_TYPES;
export const SUPPORTED_DB_TYPES = Object.keys(DB_TYPES) as DbType[];

/** Normalises a database type name (case-insensitive) or throws `UnknownDatabaseTypeError`. */
export function toDbType(name: string): DbType {
  const upper = name.trim().toUpperCase();
  if (upper in DB_TYPES) return upper as DbType;
  throw new UnknownDatabaseTypeError(name, SUPPORTED_DB_TYPES);
}
