/**
 * The container's one Sequelize instance, created on first use (not at import: a module that only
 * needs the API's schemas, such as `pnpm docs:openapi`, never builds one), synchronously and from
 * the environment alone: no password and no network here (Sequelize connects lazily).
 * `connectToDatabase()` (`db/connection.ts`) fetches the real credentials and applies them to each
 * new connection; the built-in types' OIDs are given to it beforehand (`db/typeOids.ts`), which saves
 * a catalog query on the first connection. Missing variables are tolerated here so that handler modules load anywhere
 * (tests, synth); they fail, named, when credentials are first needed.
 */
import { Sequelize } from 'sequelize';
import { peekEnv } from '../config/variables';
import { initModels } from '../models/todo';
import { baseSequelizeOptions } from './options';
import { presetBuiltInTypeOids } from './typeOids';

let instance: Sequelize | undefined;

export function getSequelize(): Sequelize {
  if (instance === undefined) {
    instance = new Sequelize({
      ...baseSequelizeOptions(),
      host: peekEnv('DB_HOST'),
      port: peekEnv('DB_PORT'),
      database: peekEnv('DB_NAME'),
      username: peekEnv('DB_USER'),
    });
    initModels(instance);
    presetBuiltInTypeOids(instance);
  }
  return instance;
}
