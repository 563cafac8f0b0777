/**
 * The application's models. They are bound to the container's one Sequelize instance when it is
 * created (`getSequelize()` in `db/sequelize.ts`, on first use, synchronously, from the environment
 * alone); `connectToDatabase()` (`config/dbHelper.ts`) then fetches the real credentials and applies
 * them to each new connection. Query a model after `await connectToDatabase()`.
 */
export { getSequelize } from '../db/sequelize';
export { Todo, TODO_TITLE_MAX } from './todo';
