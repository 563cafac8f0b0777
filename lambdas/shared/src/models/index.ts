import { Sequelize } from 'sequelize';
import { baseSequelizeOptions } from '../config/database';
import { peekEnv } from '../config/env';
import { initTodo } from './todo';

/**
 * The container's one Sequelize instance, built synchronously at import from the environment
 * alone: no password and no network here (Sequelize connects lazily). `connectToDatabase()` in
 * `config/dbHelper.ts` fetches the real credentials and applies them before the first connection.
 * Missing variables are tolerated at import so that handler modules load anywhere (tests, synth);
 * they fail, named, when credentials are first needed.
 */
export const sequelize = new Sequelize({
  ...baseSequelizeOptions(),
  host: peekEnv('DB_HOST'),
  port: peekEnv('DB_PORT'),
  database: peekEnv('DB_NAME'),
  username: peekEnv('DB_USER'),
});

export const Todo = initTodo(sequelize);

export const models = { Todo } as const;
export { TODO_TITLE_MAX } from './todo';
