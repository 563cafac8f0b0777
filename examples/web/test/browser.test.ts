/**
 * The example client in a real browser: Debian's Chromium driven by playwright-core (Playwright's own
 * browser download does not work here). The client is built with Vite in a child process (Vite is
 * ESM-only; jest runs CommonJS) against a local API started in this process, and served from a tiny
 * static server on another port — another origin, so every call is a real CORS request.
 *
 * Round trip: the list loads; todos created in the page; Load more pages through them; a toggle
 * sends `If-Match` with the ETag its GET returned; a stale tag (changed out-of-band) is shown as a
 * conflict with the 412's code and the todo reloaded; delete. No CORS error, no failed request.
 *
 * Without /usr/bin/chromium the tests report themselves as not configured and are skipped — unless CI
 * is set, where a missing browser fails the run (`.ci/run` installs it).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { useMigratedDatabase } from '../../../testing/httpApi';
import { startLocalApi, type LocalApi } from '../../../scripts/localApi/server';

/** Debian's package; CHROMIUM_PATH points elsewhere (another install, or a missing one to check the skip). */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** On a closed network, Chromium's background services would flood it with refused connections. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const WEB_DIR = join(__dirname, '..');
const SCREENSHOT = '/tmp/web-client.png';
const PAGE_SIZE = 2;

const chromiumMissing = !existsSync(CHROMIUM_PATH);
const NOT_CONFIGURED = `BROWSER tests not configured: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`;
if (chromiumMissing) process.stdout.write(`${NOT_CONFIGURED}\n`);
// In CI a missing browser is a failure (the beforeAll below throws), never a silent skip.
const describeBrowser = chromiumMissing && !process.env.CI ? describe.skip : describe;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Serves the built files; unknown paths get index.html (a single-page app). */
async function serveStatic(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/');
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    const target = file.startsWith(root + sep) && existsSync(file) ? file : join(root, 'index.html');
    readFile(target).then(
      (body) => {
        response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(target)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
        response.end(body);
      },
      () => {
        response.writeHead(500);
        response.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface Seen {
  requests: Array<{ method: string; url: string; headers: Record<string, string> }>;
  responses: Array<{ method: string; url: string; status: number; headers: Record<string, string> }>;
  consoleErrors: string[];
  failedRequests: string[];
  pageErrors: string[];
}

// Skipped, the title itself says why in jest's list of skipped tests.
describeBrowser(chromiumMissing ? NOT_CONFIGURED : 'the example web client in Chromium', () => {
  useMigratedDatabase();
  let api: LocalApi;
  let site: { server: Server; url: string };
  let context: BrowserContext;
  let page: Page;
  const temporary: string[] = [];
  const seen: Seen = { requests: [], responses: [], consoleErrors: [], failedRequests: [], pageErrors: [] };

  beforeAll(async () => {
    if (chromiumMissing) throw new Error(`Chromium expected at ${CHROMIUM_PATH} (CI is set): apt-get install chromium`);
    api = await startLocalApi({ port: 0 });

    const outDir = await mkdtemp(join(tmpdir(), 'web-client-build-'));
    temporary.push(outDir);
    const env: NodeJS.ProcessEnv = { ...process.env, VITE_API_ENDPOINT: api.url, VITE_PAGE_SIZE: String(PAGE_SIZE) };
    // The test setup sets NODE_ENV=test; a production build should not see it.
    delete env.NODE_ENV;
    await promisify(execFile)(process.execPath, [join(WEB_DIR, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: WEB_DIR,
      env,
    });
    site = await serveStatic(outDir);

    const userDataDir = await mkdtemp(join(tmpdir(), 'web-client-chromium-'));
    temporary.push(userDataDir);
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') seen.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => seen.pageErrors.push(`${error.name}: ${error.message}`));
    page.on('requestfailed', (request) => seen.failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText ?? '?'}`));
    page.on('request', (request) => {
      if (request.url().startsWith(api.url)) void request.allHeaders().then((headers) => seen.requests.push({ method: request.method(), url: request.url(), headers }));
    });
    page.on('response', (response) => {
      if (response.url().startsWith(api.url)) {
        void response.allHeaders().then((headers) => seen.responses.push({ method: response.request().method(), url: response.url(), status: response.status(), headers }));
      }
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => (site ? site.server.close(resolve) : resolve(undefined)));
    await api?.close();
    for (const dir of temporary) await rm(dir, { recursive: true, force: true });
  });

  /** Loads the page fresh (the client then holds no ETag) and waits for the first page of the list. */
  async function open(): Promise<void> {
    await page.goto(site.url);
    await page.waitForSelector('body[data-ready="true"]');
  }
  /** Waits until no action of the client is in flight. */
  const settled = (): Promise<unknown> => page.waitForSelector('body:not([data-pending])', { state: 'attached' });
  const item = (id: string): string => `[data-testid="todo-item"][data-id="${id}"]`;
  const shownIds = (): Promise<string[]> => page.$$eval('[data-testid="todo-item"]', (rows) => rows.map((row) => row.getAttribute('data-id') ?? ''));
  const shownTitles = (): Promise<string[]> => page.$$eval('[data-testid="todo-title"]', (titles) => titles.map((title) => title.textContent ?? ''));
  const apiRead = async (id: string): Promise<{ status: number; etag: string | null; body: { title?: string; completed?: boolean } }> => {
    const response = await fetch(`${api.url}/todos/${id}`);
    return { status: response.status, etag: response.headers.get('etag'), body: (await response.json()) as { title?: string; completed?: boolean } };
  };
  const ids: Record<string, string> = {};

  it('loads the (empty) list from the API on another origin, without sign-in', async () => {
    expect(new URL(site.url).origin).not.toBe(new URL(api.url).origin);
    await open();
    expect(await page.textContent('[data-testid="mode"]')).toContain(`Local API ${api.url}`);
    expect(await page.isVisible('[data-testid="list-empty"]')).toBe(true);
    expect(await page.isVisible('[data-testid="sign-in-form"]')).toBe(false);
    expect(await page.isVisible('[data-testid="load-more"]')).toBe(false);
  });

  it('creates todos in the page, newest first, and pages through them with Load more', async () => {
    for (const title of ['first', 'second', 'third']) {
      await page.fill('[data-testid="create-title"]', title);
      await page.click('[data-testid="create-submit"]');
      await page.waitForSelector(`[data-testid="todo-title"]:text-is("${title}")`);
      await settled();
    }
    expect(await shownTitles()).toEqual(['third', 'second', 'first']);
    expect(await page.inputValue('[data-testid="create-title"]')).toBe('');
    const [third, second, first] = await shownIds();
    Object.assign(ids, { first, second, third });

    // A fresh page: the first page holds PAGE_SIZE todos, the rest comes with Load more.
    await open();
    expect(await shownTitles()).toEqual(['third', 'second']);
    await page.click('[data-testid="load-more"]');
    await settled();
    expect(await shownTitles()).toEqual(['third', 'second', 'first']);
    expect(await page.isVisible('[data-testid="load-more"]')).toBe(false);
  });

  it('toggles completed with If-Match set to the ETag its GET returned', async () => {
    const id = ids.second!;
    const before = { requests: seen.requests.length, responses: seen.responses.length };
    await page.check(`${item(id)} [data-testid="todo-toggle"]`);
    await page.waitForSelector(`${item(id)}[data-completed="true"]`);
    await settled();

    const read = seen.responses.slice(before.responses).find((r) => r.method === 'GET' && r.url === `${api.url}/todos/${id}`);
    const sent = seen.requests.slice(before.requests).find((r) => r.method === 'PATCH' && r.url === `${api.url}/todos/${id}`);
    expect(read?.headers.etag).toBe('"1"');
    expect(sent?.headers['if-match']).toBe(read?.headers.etag);
    expect(await page.isChecked(`${item(id)} [data-testid="todo-toggle"]`)).toBe(true);
    expect(await apiRead(id)).toEqual({ status: 200, etag: '"2"', body: expect.objectContaining({ completed: true, title: 'second' }) });
  });

  it('shows a stale ETag as a conflict with the 412 code, then reloads the todo', async () => {
    const id = ids.second!;
    // Someone else changes it: version 3. The page still holds "2".
    const elsewhere = await fetch(`${api.url}/todos/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json', 'if-match': '"2"' }, body: JSON.stringify({ title: 'second, changed elsewhere' }) });
    expect(elsewhere.status).toBe(200);

    const before = seen.requests.length;
    await page.uncheck(`${item(id)} [data-testid="todo-toggle"]`);
    await page.waitForSelector('[data-testid="message"][data-kind="conflict"]');
    await page.waitForSelector(`${item(id)} [data-testid="todo-title"]:text-is("second, changed elsewhere")`);
    await settled();

    const sent = seen.requests.slice(before).find((r) => r.method === 'PATCH');
    expect(sent?.headers['if-match']).toBe('"2"');
    expect(await page.textContent('[data-testid="message"]')).toContain('precondition_failed');
    expect(seen.responses.some((r) => r.method === 'PATCH' && r.status === 412)).toBe(true);
    // The rejected change was not applied, and the page shows what the API has.
    expect(await page.isChecked(`${item(id)} [data-testid="todo-toggle"]`)).toBe(true);
    expect(await apiRead(id)).toEqual({ status: 200, etag: '"3"', body: expect.objectContaining({ completed: true, title: 'second, changed elsewhere' }) });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // With the reloaded tag the same change now goes through.
    const retry = seen.requests.length;
    await page.uncheck(`${item(id)} [data-testid="todo-toggle"]`);
    await page.waitForSelector(`${item(id)}[data-completed="false"]`);
    await settled();
    expect(seen.requests.slice(retry).find((r) => r.method === 'PATCH')?.headers['if-match']).toBe('"3"');
    expect(await page.isVisible('[data-testid="message"]')).toBe(false);
    expect((await apiRead(id)).body.completed).toBe(false);
  });

  it('deletes: gone from the page and 404 from the API', async () => {
    const id = ids.second!;
    await page.click(`${item(id)} [data-testid="todo-delete"]`);
    await page.waitForSelector(item(id), { state: 'detached' });
    await settled();
    expect(await shownTitles()).toEqual(['third', 'first']);
    // It held the tag "4" from the last PATCH: the delete was conditional on it.
    expect(seen.requests.find((r) => r.method === 'DELETE')?.headers['if-match']).toBe('"4"');
    expect((await apiRead(id)).status).toBe(404);
  });

  it('had no CORS error, no failed request and no uncaught error', () => {
    expect(seen.consoleErrors.filter((text) => /CORS|Access-Control|cross-origin/i.test(text))).toEqual([]);
    expect(seen.failedRequests).toEqual([]);
    expect(seen.pageErrors).toEqual([]);
    // Every API call was cross-origin and answered: the only console errors are Chromium's lines for
    // the deliberate 412.
    expect(seen.consoleErrors.filter((text) => !/status of 412/.test(text))).toEqual([]);
  });
});
