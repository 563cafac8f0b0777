/** `pnpm invoke`: see `USAGE` in ./invokeClient.ts. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from './invokeClient';

const outputsPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'amplify_outputs.json');
process.exitCode = await main(process.argv.slice(2), { out: (t) => console.log(t), err: (t) => console.error(t) }, outputsPath);
