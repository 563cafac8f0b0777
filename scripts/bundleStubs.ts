/**
 * What a bundled function never reads, replaced at bundle time (an esbuild plugin used by
 * `bundleOptions`). Each stub is chosen so that the code paths the functions use behave exactly as
 * before, and anything else fails loudly with a message naming this file instead of misbehaving.
 * The sizes each one saves are measured by `pnpm bench` and recorded in docs/performance.md.
 *
 * - moment-timezone's zone data (~720 KB): Sequelize loads it to recognise named time zones, but
 *   the functions run in UTC with Sequelize's default `timezone: '+00:00'` (an offset, never looked
 *   up in the data). Only the UTC zone and its aliases are kept; another named zone is then unknown
 *   and Sequelize sends it as an offset, which PostgreSQL rejects at connect: loud, not wrong.
 * - zod's translated error messages (~260 KB): `zod` bundles every locale; only English is used.
 * - Sequelize's other dialects (~150 KB): `sequelize.js` requires every dialect's class in a
 *   `switch` on the configured dialect; only `postgres` can be configured here. Their data-type
 *   tables stay (small, and `data-types.js` registers them at load).
 * - validator (~130 KB → a subset): Sequelize's validators for the types and for model `validate`
 *   rules. The subset holds every function Sequelize itself calls plus the common model rules; an
 *   unknown rule fails with Sequelize's "Invalid validator function".
 * - wkx and pg-hstore: geometry and hstore column parsers; no model has such a column.
 * - Sequelize's associations (~27 KB): no model declares one. A model that does (`hasMany`,
 *   `belongsTo`…) throws when its module loads, i.e. at the bundle's first import (the bundle test
 *   and every cold start), never halfway through a request. Remove the stub when that day comes.
 * - semver (→ the four functions Sequelize calls) and zod's `fromJSONSchema` and `compile` (opt-in
 *   APIs of zod that nothing here calls; the schemas' own parsing does not go through them).
 * - The AWS SDK's credential chain (→ environment and container credentials): see CREDENTIAL_CHAIN;
 *   also where @aws-sdk/rds-signer reads it (@aws-sdk/credential-providers).
 * - sequelize/package.json: read for `Sequelize.version` only.
 * - umzug's command line (~380 KB in `migrate`: @rushstack's command-line and JSON-schema
 *   libraries, argparse, jju): `Umzug#getCli()` builds it; the migrate function only calls `up()`.
 * - Node built-ins loaded for one helper each (every built-in a bundle loads costs its own
 *   compilation at a cold start, ~3–5 ms of CPU for these, which a CPU profile of the import shows
 *   under Node's internal loader):
 *   - `debug` (Sequelize's `DEBUG=sequelize:*` tracing, which loads `tty`, `util` and
 *     supports-color): a no-op, as it is whenever DEBUG is unset. Use DB_LOG_SQL in a function;
 *     `pnpm dev` and the tests keep the real one.
 *   - `assert`, which Sequelize's model.js calls twice (a `where` for update/destroy): a function
 *     that throws the same AssertionError (code ERR_ASSERTION, same message).
 *   - the SDK's `Crc32Node` (`node:zlib`'s crc32): its pure-JS twin `Crc32Js`, same checksums;
 *     Secrets Manager requests carry none.
 *   - lodash looks for `module.require('util').types`; in a bundle `module` has no `require`, so it
 *     falls back to the deprecated `process.binding('util')`, whose emulation loads a dozen more
 *     internal modules. Giving its module a `require` puts it back on the path it takes in Node.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Plugin } from 'esbuild';

const OTHER_DIALECTS = ['mysql', 'mariadb', 'mssql', 'sqlite', 'db2', 'snowflake', 'oracle'];

/** Sequelize calls these itself (data types, validator-extras); the rest are common model rules. */
export const VALIDATORS = [
  'contains', 'equals', 'isAfter', 'isBefore', 'isBoolean', 'isDate', 'isDecimal', 'isEmail', 'isEmpty', 'isFloat', 'isIn', 'isInt', 'isIP',
  'isIPRange', 'isLength', 'isLowercase', 'isMACAddress', 'isNumeric', 'isURL', 'isUUID', 'isUppercase', 'matches',
];

/** The semver functions Sequelize's postgres dialect and connection manager call. */
const SEMVER_FUNCTIONS = ['coerce', 'valid', 'lt', 'gte'];

/**
 * The AWS SDK's default credential chain (SSO, ini files, credential_process, web identity, IMDS:
 * ~95 KB with the STS/SSO clients they carry). A Lambda function always receives its role's
 * credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN; the container endpoint
 * (AWS_CONTAINER_CREDENTIALS_*) is kept for runtimes that use it instead.
 */
const CREDENTIAL_CHAIN = `
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
const fromContainer = () => !process.env.AWS_ACCESS_KEY_ID && (process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI || process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
export const defaultProvider = (init = {}) => (properties) => (fromContainer() ? fromHttp(init)(properties) : fromEnv(init)(properties));
export const credentialsWillNeedRefresh = (credentials) => credentials?.expiration !== undefined;
export const credentialsTreatedAsExpired = (credentials) => credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300000;
`;

/** `debug` as it behaves with DEBUG unset: every logger disabled, every call a no-op. */
const DEBUG_DISABLED = `
function createDebug(namespace) {
  const debug = () => {};
  Object.assign(debug, { namespace: String(namespace), enabled: false, useColors: false, log: () => {}, destroy: () => {}, extend: (sub, delimiter = ':') => createDebug(namespace + delimiter + sub) });
  return debug;
}
Object.assign(createDebug, { debug: createDebug, default: createDebug, enable: () => {}, disable: () => '', enabled: () => false, coerce: (value) => value, formatters: {}, names: [], skips: [] });
module.exports = createDebug;
`;

/** Node's `assert(value, message)` as Sequelize calls it. */
const ASSERT = `
class AssertionError extends Error {
  constructor(message) { super(message); this.name = 'AssertionError'; this.code = 'ERR_ASSERTION'; this.generatedMessage = false; }
}
function assert(value, message) {
  if (value) return;
  if (message instanceof Error) throw message;
  throw new AssertionError(message ?? 'The expression evaluated to a falsy value');
}
assert.ok = assert;
assert.AssertionError = AssertionError;
module.exports = assert;
`;

const unavailable = (what: string): string =>
  `function unavailable() { throw new Error(${JSON.stringify(`${what} is not in the Lambda bundle (scripts/bundleStubs.ts)`)}); }`;

function zoneDataUtcOnly(path: string): string {
  const data = JSON.parse(readFileSync(path, 'utf8')) as { version: string; zones: string[]; links: string[] };
  return JSON.stringify({
    version: data.version,
    zones: data.zones.filter((zone) => zone.startsWith('Etc/UTC|')),
    links: data.links.filter((link) => link.startsWith('Etc/UTC|')),
    countries: [],
  });
}

export const lambdaStubs: Plugin = {
  name: 'lambda-stubs',
  setup(build) {
    build.onLoad({ filter: /[\\/]moment-timezone[\\/]data[\\/]packed[\\/]latest\.json$/ }, (args) => ({ contents: zoneDataUtcOnly(args.path), loader: 'json' }));

    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));

    const dialects = new RegExp(`[\\\\/]sequelize[\\\\/]lib[\\\\/]dialects[\\\\/](${OTHER_DIALECTS.join('|')})[\\\\/]index\\.js$`);
    build.onLoad({ filter: dialects }, (args) => ({
      contents: `${unavailable(`The ${/dialects[\\/](\w+)/.exec(args.path)?.[1] ?? 'requested'} dialect`)}\nmodule.exports = unavailable;`,
      loader: 'js',
    }));

    build.onLoad({ filter: /[\\/]node_modules[\\/]validator[\\/]index\.js$/ }, (args) => {
      const version = (JSON.parse(readFileSync(`${dirname(args.path)}/package.json`, 'utf8')) as { version: string }).version;
      const entries = VALIDATORS.map((name) => `  ${name}: require('./lib/${name}').default,`).join('\n');
      return { contents: `module.exports = {\n  version: ${JSON.stringify(version)},\n${entries}\n};`, resolveDir: dirname(args.path), loader: 'js' };
    });

    build.onLoad({ filter: /[\\/]sequelize[\\/]lib[\\/]associations[\\/](belongs-to-many|has-many|has-one|belongs-to)\.js$/ }, (args) => {
      const name = { 'belongs-to-many': 'BelongsToMany', 'has-many': 'HasMany', 'has-one': 'HasOne', 'belongs-to': 'BelongsTo' }[/([a-z-]+)\.js$/.exec(args.path)?.[1] ?? ''] ?? 'Association';
      return {
        contents: [
          "const Association = require('./base');",
          `class ${name} extends Association { constructor() { super(); (${unavailable(`Sequelize association ${name}`)})(); } }`,
          `module.exports = ${name}; module.exports.${name} = ${name}; module.exports.default = ${name};`,
        ].join('\n'),
        resolveDir: dirname(args.path),
        loader: 'js',
      };
    });

    const dialectTypes = new RegExp(`[\\\\/]sequelize[\\\\/]lib[\\\\/]dialects[\\\\/](${OTHER_DIALECTS.join('|')})[\\\\/]data-types\\.js$`);
    build.onLoad({ filter: dialectTypes }, () => ({ contents: 'module.exports = () => ({});', loader: 'js' }));

    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]classic[\\/]from-json-schema\.js$/ }, () => ({
      contents: `export ${unavailable('z.fromJSONSchema').replace('unavailable', 'fromJSONSchema')}`,
      loader: 'js',
    }));

    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]core[\\/]compile\.js$/ }, () => ({
      contents: [
        unavailable('z.compile'),
        "export const INVALID = Symbol.for('zod.compile.invalid');",
        'export class ZodCompileAsyncError extends Error {}',
        'export class ZodCompileUnsupportedError extends Error {}',
        'export { unavailable as compile, unavailable as withParser, unavailable as compileFn };',
      ].join('\n'),
      loader: 'js',
    }));

    build.onLoad({ filter: /[\\/]node_modules[\\/]semver[\\/]index\.js$/ }, (args) => ({
      contents: `module.exports = { ${SEMVER_FUNCTIONS.map((name) => `${name}: require('./functions/${name}')`).join(', ')} };`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));

    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]credential-provider-node[\\/]dist-es[\\/]index\.js$/ }, (args) => ({
      contents: CREDENTIAL_CHAIN,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));

    // @aws-sdk/rds-signer (IAM database authentication) takes its default credentials from the
    // umbrella @aws-sdk/credential-providers (Cognito, STS, SSO, ini…): the same chain as above.
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]credential-providers[\\/]dist-es[\\/]index\.js$/ }, (args) => ({
      contents: `${CREDENTIAL_CHAIN}\nexport const fromNodeProviderChain = defaultProvider;`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));

    build.onLoad({ filter: /[\\/]node_modules[\\/]wkx[\\/]lib[\\/]wkx\.js$/ }, () => ({
      contents: `${unavailable('Geometry (wkx)')}\nmodule.exports = { Geometry: { parse: unavailable, parseGeoJSON: unavailable } };`,
      loader: 'js',
    }));

    build.onLoad({ filter: /[\\/]node_modules[\\/]pg-hstore[\\/]lib[\\/]index\.js$/ }, () => ({
      contents: `${unavailable('HSTORE (pg-hstore)')}\nmodule.exports = () => ({ stringify: unavailable, parse: unavailable });`,
      loader: 'js',
    }));

    build.onLoad({ filter: /[\\/]node_modules[\\/]lodash[\\/]lodash\.js$/ }, (args) => ({
      contents: `module.require = require;\n${readFileSync(args.path, 'utf8')}`,
      loader: 'js',
    }));

    build.onLoad({ filter: /[\\/]node_modules[\\/]debug[\\/]src[\\/]index\.js$/ }, () => ({ contents: DEBUG_DISABLED, loader: 'js' }));

    // umzug's command line (`Umzug#getCli()`), which the migrate function never builds: it calls
    // `up()`. Its parser brings @rushstack's command-line and JSON-schema libraries, argparse and jju.
    const cliActions = ['UmzugCLI', 'UpAction', 'DownAction', 'ListAction', 'CreateAction'];
    build.onLoad({ filter: /[\\/]umzug[\\/]lib[\\/]cli\.js$/ }, () => ({
      contents: [
        unavailable("umzug's command line (Umzug#getCli)"),
        ...cliActions.map((name) => `class ${name} { constructor() { unavailable(); } }`),
        `module.exports = { ${cliActions.join(', ')} };`,
      ].join('\n'),
      loader: 'js',
    }));

    build.onResolve({ filter: /^assert$/ }, (args) => (/[\\/]node_modules[\\/]sequelize[\\/]/.test(args.importer) ? { path: 'assert', namespace: 'lambda-stub' } : undefined));
    build.onLoad({ filter: /^assert$/, namespace: 'lambda-stub' }, () => ({ contents: ASSERT, loader: 'js' }));

    build.onLoad({ filter: /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]checksum[\\/]crc32[\\/]Crc32Node\.js$/ }, (args) => ({
      contents: "export { Crc32Js as Crc32Node } from './Crc32Js';",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));

    build.onLoad({ filter: /[\\/]node_modules[\\/]sequelize[\\/]package\.json$/ }, (args) => ({
      contents: JSON.stringify({ version: (JSON.parse(readFileSync(args.path, 'utf8')) as { version: string }).version }),
      loader: 'json',
    }));
  },
};
