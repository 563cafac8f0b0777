/**
 * The cold-start floor: the least a function can do to answer `GET /todos/{id}` from PostgreSQL —
 * the `pg` driver, credentials from the environment, one connection, one query, a JSON response.
 * Bundled with exactly the settings of the real functions (scripts/bundle.ts).
 */
import pg from 'pg';

interface Event {
  pathParameters?: Record<string, string>;
}

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

export async function handler(event: Event): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  const db = await connection();
  const { rows } = await db.query('SELECT id, title, completed, created_at, updated_at, version FROM todos WHERE id = $1', [event.pathParameters?.id]);
  const row = rows[0] as { id: string; title: string; completed: boolean; created_at: Date; updated_at: Date } | undefined;
  if (!row) return { statusCode: 404, headers: { 'content-type': 'application/json' }, body: '{"error":"not found"}' };
  const body = { id: row.id, title: row.title, completed: row.completed, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
