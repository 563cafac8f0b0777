/** What both floors do once connected: one query for the todo, a JSON response (no framework, no validation). */
import type pg from 'pg';

export interface Event {
  pathParameters?: Record<string, string>;
}

export interface Response {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export async function getTodo(db: pg.Client, event: Event): Promise<Response> {
  const { rows } = await db.query('SELECT id, title, completed, created_at, updated_at, version FROM todos WHERE id = $1', [event.pathParameters?.id]);
  const row = rows[0] as { id: string; title: string; completed: boolean; created_at: Date; updated_at: Date } | undefined;
  if (!row) return { statusCode: 404, headers: { 'content-type': 'application/json' }, body: '{"error":"not found"}' };
  const body = { id: row.id, title: row.title, completed: row.completed, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
