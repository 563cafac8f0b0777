import * as z from '../zod';

/**
 * A position in the newest-first list of todos: the `(createdAt, id)` of the last row of a page. The
 * next page is every row strictly after it in `ORDER BY created_at DESC, id DESC`, found through the
 * index on those two columns (keyset pagination: no OFFSET scan, and rows inserted meanwhile can
 * neither shift a row into a second page nor out of every page).
 */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

/**
 * A timestamp PostgreSQL's timestamptz accepts. ISO 8601 allows year 0000, which PostgreSQL
 * rejects (SQLSTATE 22008): a forged cursor must be a 400, not a query error.
 */
const cursorTime = z.iso.datetime().check(
  z.refine((value: string) => {
    const year = new Date(value).getUTCFullYear();
    return year >= 1 && year <= 9999;
  }, 'out of range'),
);

/** The cursor's content. Versioned so the format can change without misreading old cursors. */
const CursorPayload = z.strictObject({ v: z.literal(1), t: cursorTime, i: z.uuid() });

/**
 * Cursors are opaque to clients (base64url JSON): they are a place in the list, not an interface.
 * They are not signed; a forged cursor can only name another position in the same list.
 */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, t: position.createdAt.toISOString(), i: position.id }), 'utf8').toString('base64url');
}

/** The position a cursor names, or `undefined` when it is not one this API issued. */
export function decodeCursor(cursor: string): CursorPosition | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = CursorPayload.safeParse(payload);
  return parsed.success ? { createdAt: new Date(parsed.data.t), id: parsed.data.i } : undefined;
}
