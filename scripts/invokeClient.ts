import { existsSync, readFileSync } from 'node:fs';
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { API_OUTPUT_NAME, type AmplifyOutputsWithApi } from '../amplify/api/outputs';
import { findRoute, type HttpMethod, type Route } from '@lambdas/shared/routes';

export const USAGE = `Usage: pnpm invoke <METHOD> <path> [json-body] [--url <base-url>] [--region <region>] [--sign | --no-sign]

Calls the deployed HTTP API (the URL in amplify_outputs.json, written by \`npx ampx sandbox\`), or any
base URL given with --url. Routes that need IAM are signed (SigV4, service execute-api) with your AWS
credentials (environment, ~/.aws profile, SSO, ...), as the AWS CLI would find them.

  pnpm invoke GET /health
  pnpm invoke POST /todos '{"title":"Buy milk"}'
  pnpm invoke GET '/todos?limit=5' --url http://127.0.0.1:3000`;

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface InvokeOptions {
  readonly method: HttpMethod;
  /** The path, optionally with a query string: `/todos?limit=5`. */
  readonly path: string;
  /** Already-validated JSON text. */
  readonly body?: string;
  readonly url?: string;
  readonly region?: string;
  /** Force signing on or off; otherwise the route manifest (and the deployment's setting) decide. */
  readonly sign?: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: readonly string[]): InvokeOptions {
  const positional: string[] = [];
  let url: string | undefined;
  let region: string | undefined;
  let sign: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--url') url = value();
    else if (arg === '--region') region = value();
    else if (arg === '--sign') sign = true;
    else if (arg === '--no-sign') sign = false;
    else if (arg.startsWith('--')) throw new UsageError(`Unknown option ${arg}`);
    else positional.push(arg);
  }
  const [methodArg, path, body, ...extra] = positional;
  if (methodArg === undefined || path === undefined || extra.length > 0) throw new UsageError('Expected <METHOD> <path> [json-body]');
  const method = methodArg.toUpperCase() as HttpMethod;
  if (!METHODS.includes(method)) throw new UsageError(`Unsupported method ${methodArg}: use one of ${METHODS.join(', ')}`);
  if (!path.startsWith('/')) throw new UsageError(`The path must start with "/": ${path}`);
  if (body !== undefined) {
    try {
      JSON.parse(body);
    } catch (error) {
      throw new UsageError(`The body is not valid JSON: ${(error as Error).message}`);
    }
  }
  return { method, path, ...(body !== undefined ? { body } : {}), ...(url !== undefined ? { url } : {}), ...(region !== undefined ? { region } : {}), ...(sign !== undefined ? { sign } : {}) };
}

interface Target {
  readonly base: string;
  readonly region: string | undefined;
  readonly protectedRoutesAuth: 'iam' | 'public' | undefined;
}

/** The API from `amplify_outputs.json` (`custom.API.todosApi`), unless `--url` names another. */
export function resolveTarget(options: InvokeOptions, outputsPath: string): Target {
  if (options.url !== undefined) return { base: options.url, region: options.region, protectedRoutesAuth: undefined };
  if (!existsSync(outputsPath)) throw new UsageError(`No ${outputsPath}: deploy with \`npx ampx sandbox\` first, or pass --url`);
  const outputs = JSON.parse(readFileSync(outputsPath, 'utf8')) as AmplifyOutputsWithApi;
  const api = outputs.custom?.API?.[API_OUTPUT_NAME];
  if (api?.endpoint === undefined) throw new UsageError(`${outputsPath} has no custom.API.${API_OUTPUT_NAME}.endpoint: is it from this backend?`);
  return { base: api.endpoint, region: options.region ?? api.region, protectedRoutesAuth: api.protectedRoutesAuth };
}

/** The manifest route a request hits (`/todos/123` → `/todos/{id}`), if any: the manifest's own matcher. */
export function matchRoute(method: HttpMethod, pathname: string): Route | undefined {
  const match = findRoute(method, pathname);
  return match.kind === 'matched' ? match.route : undefined;
}

function shouldSign(options: InvokeOptions, target: Target, pathname: string): boolean {
  if (options.sign !== undefined) return options.sign;
  if (target.protectedRoutesAuth === 'public') return false;
  // Unknown paths are signed too: API Gateway answers them (404) either way.
  return matchRoute(options.method, pathname)?.auth !== 'public';
}

/** The region of an `execute-api` URL (`https://id.execute-api.eu-west-1.amazonaws.com/`). */
function regionFromUrl(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(url.hostname)?.[1];
}

export interface InvokeResult {
  readonly status: number;
  readonly body: string;
  readonly signed: boolean;
  readonly url: string;
}

/** Static credentials or a provider, as SignatureV4 takes them. */
type Credentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

export interface InvokeDeps {
  /** Defaults to the AWS SDK's chain: environment, shared config/SSO, container and instance roles. */
  readonly credentials?: Credentials;
  readonly fetch?: typeof fetch;
}

export async function invoke(options: InvokeOptions, outputsPath: string, deps: InvokeDeps = {}): Promise<InvokeResult> {
  const target = resolveTarget(options, outputsPath);
  const url = new URL(options.path, target.base.endsWith('/') ? target.base : `${target.base}/`);
  const headers: Record<string, string> = { host: url.host, accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const signed = shouldSign(options, target, url.pathname);
  let sendHeaders = headers;
  if (signed) {
    const region = target.region ?? regionFromUrl(url) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (region === undefined) throw new UsageError('Cannot tell the API\'s region: pass --region');
    const signer = new SignatureV4({ service: 'execute-api', region, credentials: deps.credentials ?? defaultProvider(), sha256: Sha256 });
    const request = await signer.sign({
      method: options.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
    sendHeaders = request.headers;
  }
  // fetch sets Host itself (to the same value that was signed).
  const { host: _host, ...fetchHeaders } = sendHeaders;
  const response = await (deps.fetch ?? fetch)(url, { method: options.method, headers: fetchHeaders, ...(options.body !== undefined ? { body: options.body } : {}) });
  return { status: response.status, body: await response.text(), signed, url: url.toString() };
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** The CLI: prints the status line to stderr and the (pretty-printed) body to stdout. Exit 0 for < 400. */
export async function main(argv: readonly string[], io: Io, outputsPath: string, deps: InvokeDeps = {}): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  try {
    const options = parseArgs(argv);
    const result = await invoke(options, outputsPath, deps);
    io.err(`${options.method} ${result.url} -> HTTP ${result.status}${result.signed ? ' (SigV4-signed)' : ''}`);
    let text = result.body;
    try {
      text = JSON.stringify(JSON.parse(result.body), null, 2);
    } catch {
      // Not JSON: print as received.
    }
    if (text.length > 0) io.out(text);
    return result.status < 400 ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`Request failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
