/**
 * `pnpm docs:openapi`: writes `docs/openapi.json`, the OpenAPI 3.1 document generated from the
 * handlers' zod schemas (a test fails when the committed file differs from what the code generates).
 * The local server serves the same document at `GET /openapi.json`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '@lambdas/shared/api';


const target = fileURLToPath(new URL("../docs/openapi.json", import.meta.url));
writeFileSync(target, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
process.stdout.write(`Wrote docs/openapi.json\n`);
