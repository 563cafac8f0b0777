/**
 * The functions' zod: `zod/mini`, with zod's English messages. Every schema a function's bundle
 * builds (the environment, the secret JSON, the API's requests and cursors) imports it from here.
 *
 * Why mini and not `import { z } from 'zod'`: the two are one validator (the same core parses, the
 * same messages, the same `toJSONSchema`); classic adds a method table that every schema instance
 * gets when it is built (`.min()`, `.optional()`, …) and ≈ 110 KB more of zod to compile. The
 * `todos` bundle lost 118 KB and ≈ 17 % of its first response's CPU with the switch
 * (docs/performance.md, "What zod/mini bought"), all of it paid before the first request.
 * Mini spells the same schemas with functions and checks:
 * `z.string().min(1).optional()` is `z.optional(z.string().check(z.minLength(1)))`.
 *
 * Classic zod sets its English messages when it is imported; mini leaves the locale to the
 * application, so it is set here, once, before any schema in the bundle parses.
 */
import { config, locales } from 'zod/mini';

config(locales.en());

// Re-exported name by name (not as one `z` object): importers write `import * as z from '../zod'`,
// and the bundler keeps only the functions they call. An exported namespace object would keep all of zod.
export * from 'zod/mini';
