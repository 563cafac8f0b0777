import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from '../zod';
import { BadRequestError, type FieldIssue } from './errors';

/**
 * Largest request body accepted, in bytes. A todo is a title of at most 200 characters; 16 KiB leaves
 * room for any valid body while refusing to parse megabytes of JSON for nothing.
 */
export const MAX_BODY_BYTES = 16 * 1024;

/** The body as text: API Gateway base64-encodes bodies whose content type it does not treat as text. */
function bodyText(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Buffer {
  const raw = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
}

/**
 * JSON is UTF-8 (RFC 8259). A body that is not valid UTF-8 is refused rather than decoded with
 * U+FFFD in place of the bad bytes, which would store something other than what was sent.
 * (A byte order mark is kept, and then refused by JSON.parse, as before.)
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The request's JSON body, parsed but not yet validated. Empty, oversized, non-UTF-8 and malformed
 * bodies are 400s. JSON.parse handles any nesting depth without recursion (V8's parser keeps its
 * own stack), and the size limit bounds the work: deeply nested input is a 400, never a crash.
 */
export function readJsonBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): unknown {
  const bytes = bodyText(event);
  if (bytes.length === 0 || bytes.toString('utf8').trim() === '') {
    throw new BadRequestError('body_required', 'A JSON request body is required');
  }
  if (bytes.length > MAX_BODY_BYTES) {
    throw new BadRequestError('body_too_large', `The request body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new BadRequestError('invalid_json', 'The request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parser's message quotes the input; the client already has it, the logs need not.
    throw new BadRequestError('invalid_json', 'The request body is not valid JSON');
  }
}

/** Zod's issues as the API reports them: location, field and message (never the rejected value). */
export function toFieldIssues(location: FieldIssue['in'], error: z.core.$ZodError): FieldIssue[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    // An unknown key is reported on its parent; name the key itself, which is what the client must remove.
    if (issue.code === 'unrecognized_keys') {
      return { in: location, field: issue.keys.map((key) => (field ? `${field}.${key}` : key)).join(', '), message: issue.message };
    }
    return { in: location, field, message: issue.message };
  });
}

/** Validates one part of the request against its schema; a mismatch is a 400 `validation_failed`. */
export function validate<S extends z.core.$ZodType>(schema: S, location: FieldIssue['in'], value: unknown): z.output<S> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const issues = toFieldIssues(location, result.error);
  throw new BadRequestError('validation_failed', `Invalid ${location === 'body' ? 'request body' : location === 'header' ? 'request headers' : `${location} parameters`}`, issues);
}
