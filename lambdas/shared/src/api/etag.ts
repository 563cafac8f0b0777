/**
 * Entity tags and `If-Match` (RFC 9110 §8.8.3, §13.1.1) for optimistic concurrency on a todo.
 *
 * A todo's `ETag` is its version number as a strong tag, `"7"`: the version changes with every
 * write, and one version always has the same JSON representation. `If-Match` is compared with the
 * strong comparison function the RFC prescribes for it, so a weak tag (`W/"7"`) never matches.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BadRequestError } from '../http/errors';

/** The `ETag` header value for a version. */
export function etagFor(version: number): string {
  return `"${version}"`;
}

export interface EntityTag {
  weak: boolean;
  /** The opaque tag without quotes or `W/`. */
  opaque: string;
}

/** The parsed `If-Match`: absent, `*`, or a list of entity tags. */
export type IfMatch = { kind: 'absent' } | { kind: 'any' } | { kind: 'tags'; tags: EntityTag[] };

/**
 * One `entity-tag` at `at`, then optional whitespace: `[ W/ ] DQUOTE *etagc DQUOTE` with
 * etagc = %x21 / %x23-7E / obs-text (so a tag may contain commas, never a quote or a space).
 * `W/` is case-sensitive in RFC 9110.
 */
const ENTITY_TAG = /[ \t]*(W\/)?"([\x21\x23-\x7E\x80-\xFF]*)"[ \t]*/y;
const LIST_SEPARATOR = /[ \t]*,[ \t]*/y;

const MALFORMED = 'must be * or a comma-separated list of quoted entity tags, such as "3" or W/"3"';

function malformed(): BadRequestError {
  return new BadRequestError('validation_failed', 'Invalid request headers', [{ in: 'header', field: 'if-match', message: MALFORMED }]);
}

/**
 * Parses an `If-Match` value: `*`, or `#entity-tag` (a comma-separated list in which, as the RFC
 * asks recipients to accept, empty elements are ignored). A value that is neither is a 400, so that
 * a client sending an unquoted version learns of its mistake instead of getting 412 forever.
 */
export function parseIfMatch(value: string | undefined): IfMatch {
  if (value === undefined) return { kind: 'absent' };
  if (value.trim() === '*') return { kind: 'any' };
  const tags: EntityTag[] = [];
  let at = 0;
  let expectTag = true;
  while (at < value.length) {
    LIST_SEPARATOR.lastIndex = at;
    if (LIST_SEPARATOR.test(value)) {
      at = LIST_SEPARATOR.lastIndex;
      expectTag = true;
      continue;
    }
    if (!expectTag) throw malformed();
    ENTITY_TAG.lastIndex = at;
    const match = ENTITY_TAG.exec(value);
    if (!match) {
      if (value.slice(at).trim() === '') break;
      throw malformed();
    }
    tags.push({ weak: match[1] !== undefined, opaque: match[2] ?? '' });
    at = ENTITY_TAG.lastIndex;
    expectTag = false;
  }
  if (tags.length === 0) throw malformed();
  return { kind: 'tags', tags };
}

/** The `If-Match` header of an API Gateway event (whose header names are lower case). */
export function ifMatchOf(event: Pick<APIGatewayProxyEventV2, 'headers'>): IfMatch {
  return parseIfMatch(event.headers?.['if-match']);
}

const MAX_VERSION = 2 ** 31 - 1;

/**
 * The versions an `If-Match` allows a write at: `undefined` for no condition (absent or `*`), else
 * the versions named by its strong tags. Weak tags and tags this API never issues are kept out, so
 * they match nothing: the write is refused with 412, as the strong comparison requires.
 */
export function expectedVersions(ifMatch: IfMatch): number[] | undefined {
  if (ifMatch.kind !== 'tags') return undefined;
  const versions = new Set<number>();
  for (const tag of ifMatch.tags) {
    if (tag.weak || !/^[1-9][0-9]{0,9}$/.test(tag.opaque)) continue;
    const version = Number(tag.opaque);
    if (version <= MAX_VERSION) versions.add(version);
  }
  return [...versions];
}
