/**
 * `pnpm invoke` against a local HTTP server started here. The server checks each SigV4 signature
 * the way API Gateway would: it signs the request it actually received again, with the same
 * credentials and timestamp, and compares. A mismatch (wrong path, query, body, host or region)
 * fails the test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { main, matchRoute, parseArgs, UsageError } from '../../scripts/invokeClient';

const CREDENTIALS = { accessKeyId: 'AKIDINVOKETEST', secretAccessKey: 'invoke-test-secret-key' };
const REGION = 'eu-west-1';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the Authorization header is the signature of exactly this request. */
  signatureValid?: boolean;
}

let server: Server;
let base: string;
let received: Received[] = [];
let dir: string;

async function verifySignature(request: Received): Promise<boolean> {
  const authorization = String(request.headers.authorization ?? '');
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!match) return false;
  const [, y, mo, d, h, mi, s] = match;
  const signingDate = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  const url = new URL(request.url, base);
  const signedHeaderNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  // x-amz-date and the payload hash are recomputed by the signer: the hash from the body received.
  const recomputed = new Set(['x-amz-date', 'x-amz-content-sha256']);
  const headers = Object.fromEntries(signedHeaderNames.filter((n) => !recomputed.has(n)).map((n) => [n, String(request.headers[n] ?? '')]));
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, credentials: CREDENTIALS, sha256: Sha256 });
  const resigned = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: Object.fromEntries(url.searchParams), headers, ...(request.body ? { body: request.body } : {}) },
    { signingDate },
  );
  return resigned.headers.authorization === authorization;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'invoke-test-'));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      void (async () => {
        if (request.headers.authorization) request.signatureValid = await verifySignature(request);
        received.push(request);
        const notFound = request.url.startsWith('/missing');
        res.writeHead(notFound ? 404 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(notFound ? { code: 'not_found', message: 'no such route' } : { ok: true, echo: request.body || null }));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
});

function io(): { out: string[]; err: string[]; io: { out(t: string): void; err(t: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t) => out.push(t), err: (t) => err.push(t) } };
}

const run = (argv: string[], outputsPath = join(dir, 'none.json')) => {
  const captured = io();
  return main(argv, captured.io, outputsPath, { credentials: CREDENTIALS }).then((code) => ({ code, ...captured }));
};

test('a public route (GET /health) is sent unsigned', async () => {
  const { code, out } = await run(['GET', '/health', '--url', base, '--region', REGION]);
  expect(code).toBe(0);
  expect(received).toHaveLength(1);
  expect(received[0]?.headers.authorization).toBeUndefined();
  expect(JSON.parse(out.join('\n'))).toEqual({ ok: true, echo: null });
});

test('an IAM route is SigV4-signed for execute-api, and the signature covers the body actually sent', async () => {
  const { code } = await run(['POST', '/todos', '{"title":"Buy milk"}', '--url', base, '--region', REGION]);
  expect(code).toBe(0);
  const [request] = received;
  expect(request?.body).toBe('{"title":"Buy milk"}');
  expect(request?.headers['content-type']).toBe('application/json');
  expect(request?.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDINVOKETEST/\\d{8}/${REGION}/execute-api/aws4_request, SignedHeaders=[^ ]*host`));
  expect(request?.signatureValid).toBe(true);
});

test('path parameters and query strings are signed as sent', async () => {
  await run(['GET', '/todos?limit=5&cursor=abc%3D%3D', '--url', base, '--region', REGION]);
  await run(['DELETE', '/todos/6f1c2d9e-0000-4000-8000-000000000000', '--url', base, '--region', REGION]);
  expect(received.map((r) => [r.method, r.url, r.signatureValid])).toEqual([
    ['GET', '/todos?limit=5&cursor=abc%3D%3D', true],
    ['DELETE', '/todos/6f1c2d9e-0000-4000-8000-000000000000', true],
  ]);
});

test('the signature check in this test is real: a tampered request fails it', async () => {
  await run(['POST', '/todos', '{"title":"a"}', '--url', base, '--region', REGION]);
  const [request] = received;
  if (request === undefined) throw new Error('no request');
  expect(await verifySignature({ ...request, body: '{"title":"b"}' })).toBe(false);
  expect(await verifySignature({ ...request, url: '/todos/other' })).toBe(false);
});

test('the default URL, region and auth mode come from amplify_outputs.json (custom.API.todosApi)', async () => {
  const outputs = join(dir, 'amplify_outputs.json');
  writeFileSync(outputs, JSON.stringify({ version: '1.4', custom: { API: { todosApi: { endpoint: `${base}/`, region: REGION, apiName: 'todosApi', protectedRoutesAuth: 'iam' } } } }));
  expect((await run(['GET', '/todos'], outputs)).code).toBe(0);
  expect(received[0]?.signatureValid).toBe(true);

  writeFileSync(outputs, JSON.stringify({ custom: { API: { todosApi: { endpoint: base, region: REGION, protectedRoutesAuth: 'public' } } } }));
  expect((await run(['GET', '/todos'], outputs)).code).toBe(0);
  expect(received[1]?.headers.authorization).toBeUndefined();
});

test('errors: HTTP >= 400 exits 1, bad input exits 2 without a request, no outputs file is explained', async () => {
  const notFound = await run(['GET', '/missing', '--url', base, '--region', REGION]);
  expect(notFound.code).toBe(1);
  expect(notFound.err.join('\n')).toContain('HTTP 404');

  const badJson = await run(['POST', '/todos', '{title:', '--url', base]);
  expect(badJson.code).toBe(2);
  expect(badJson.err.join('\n')).toContain('not valid JSON');

  const noOutputs = await run(['GET', '/health']);
  expect(noOutputs.code).toBe(2);
  expect(noOutputs.err.join('\n')).toContain('npx ampx sandbox');
  expect(received.map((r) => r.url)).toEqual(['/missing']);
});

test('argument parsing and route matching follow the manifest', () => {
  expect(parseArgs(['get', '/todos/1', '--url', 'http://x', '--no-sign'])).toEqual({ method: 'GET', path: '/todos/1', url: 'http://x', sign: false });
  expect(() => parseArgs(['FETCH', '/x'])).toThrow(UsageError);
  expect(() => parseArgs(['GET', 'todos'])).toThrow(/must start with/);
  expect(matchRoute('GET', '/health')?.auth).toBe('public');
  expect(matchRoute('PATCH', '/todos/abc')?.path).toBe('/todos/{id}');
  expect(matchRoute('PATCH', '/todos/')).toBeUndefined();
  expect(matchRoute('PUT', '/todos/abc')).toBeUndefined();
});

test('`pnpm invoke` runs as a CLI (tsx) and uses the credentials of the environment', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'scripts', 'invoke.ts'), 'PATCH', '/todos/42', '{"completed":true}', '--url', base, '--region', REGION], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: '', AWS_PROFILE: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect([code, stderr]).toEqual([0, expect.stringContaining('HTTP 200 (SigV4-signed)')]);
  expect(JSON.parse(stdout)).toEqual({ ok: true, echo: '{"completed":true}' });
  expect(received[0]?.signatureValid).toBe(true);
}, 30_000);
