/**
 * Every line written to stdout/stderr, or through `console`, during a test file is captured (and
 * hidden unless SHOW_LOGS=1). `console` needs its own capture: in a multi-file run jest replaces it
 * with a buffered console that never writes to the process streams. After the file, the captured output is scanned for every password registered with
 * `registerSecret`; one found fails the run. Tests also use `capturedLogs()` to assert on log lines.
 */
import { format } from 'node:util';

const lines: string[] = [];
const secrets = new Set<string>();

const restores: Array<() => void> = [];

function capture(stream: NodeJS.WriteStream): void {
  const original = stream.write.bind(stream);
  const own = Object.hasOwn(stream, 'write') ? stream.write : undefined;
  restores.push(() => {
    if (own) stream.write = own;
    else delete (stream as Partial<NodeJS.WriteStream>).write;
  });
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    lines.push(...text.split('\n').filter((l) => l.length > 0));
    if (process.env.SHOW_LOGS === '1') return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    const callback = rest.find((r): r is () => void => typeof r === 'function');
    callback?.();
    return true;
  }) as typeof stream.write;
}

capture(process.stdout);
capture(process.stderr);

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
for (const method of CONSOLE_METHODS) {
  const original = console[method];
  restores.push(() => {
    console[method] = original;
  });
  console[method] = (...args: unknown[]): void => {
    lines.push(...format(...args).split('\n').filter((l) => l.length > 0));
    if (process.env.SHOW_LOGS === '1') original.apply(console, args);
  };
}

// A promise rejected with nobody listening is a bug even when every assertion passed.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on('unhandledRejection', onUnhandled);

/** Structured log lines captured so far (JSON objects), optionally only those since `from`. */
export function capturedLogs(from = 0): Array<Record<string, unknown>> {
  return lines.slice(from).flatMap((line) => {
    try {
      const parsed: unknown = JSON.parse(line);
      return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

export function capturedText(): string {
  return lines.join('\n');
}

export function logMark(): number {
  return lines.length;
}

/** A password that must never appear in any output of this test file. */
export function registerSecret(value: string): void {
  if (value.length >= 6) secrets.add(value);
}

/** Fails when any registered secret is found in `text` (for responses and error messages). */
export function assertNoSecretIn(text: string, what = 'output'): void {
  for (const secret of secrets) {
    if (text.includes(secret)) throw new Error(`A registered password appeared in ${what}`);
  }
}

afterAll(() => {
  // Give the streams back first: in-band runs share them with jest's own reporter.
  for (const restore of restores.splice(0)) restore();
  process.off('unhandledRejection', onUnhandled);
  assertNoSecretIn(capturedText(), 'the log output of this test file');
  if (unhandled.length > 0) throw new Error(`Unhandled promise rejection(s) in this test file: ${unhandled.map(String).join('; ')}`);
});
