import type pg from 'pg';

/**
 * Inserts `count` todos with distinct created_at values, like rows written over time, so keyset
 * pages are realistic, and refreshes the planner's statistics. Returns their ids. (`pnpm bench`,
 * `pnpm bench:scale` and the overload test.)
 */
export async function seedTodos(client: pg.Client, count: number): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO todos (title, completed, created_at, updated_at)
     SELECT 'todo ' || n, n % 3 = 0, now() - n * interval '1 second', now() - n * interval '1 second'
     FROM generate_series(1, $1::int) AS n RETURNING id`,
    [count],
  );
  await client.query('ANALYZE todos');
  return rows.map((row) => row.id);
}
