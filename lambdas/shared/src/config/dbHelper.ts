/**
 * The step guides' entry point for connecting (STEP_1.3.3_GUIDE.md, STEP_1.3.8_GUIDE.md): every
 * handler calls `connectToDatabase()` before it queries. The lifecycle, the credentials each new
 * connection gets and the rotation retry live in `db/connection.ts`.
 */
export { closeDatabase, connectToDatabase, databaseStatus } from '../db/connection';
