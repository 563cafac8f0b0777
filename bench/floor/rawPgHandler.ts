/**
 * The cold-start floor: the least a function can do to answer `GET /todos/{id}` from PostgreSQL —
 * the `pg` driver, credentials from the environment, one connection, one query, a JSON response.
 * Bundled with exactly the settings of the real functions (scripts/bundle.ts).
 */
import pg from 'pg';
import { getTodo, type Event, type Response } from './getTodo';

let client: pg.Client | undefined;

async function connection(): Promise<pg.Client> {
  if (!client) {
    client = new pg.Client({
      host: process.env.DB_HOST,
      port: Number(process.env.DB_PORT),
      database: process.env.DB_NAME,
      user: process.env.DB_USER,
      password: process.env.DB_PASSWORD,
    });
    await client.connect();
  }
  return client;
}

export async function handler(event: Event): Promise<Response> {
  return getTodo(await connection(), event);
}
