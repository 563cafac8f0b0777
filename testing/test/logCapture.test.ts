/**
 * The harness that the secrets-hygiene promise rests on: everything a test file prints is captured
 * (process streams and `console`, which jest buffers on its own in multi-file runs), and the
 * one-line summary never reports a failed run as "0 failed".
 */
import { randomUUID } from 'node:crypto';
import { capturedText, logMark } from '../logCapture';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { summaryLine } = require('../summaryReporter.cjs') as { summaryLine: (results: unknown) => string };

test('console output is captured, whichever console jest installed', () => {
  const marker = `console-marker-${randomUUID()}`;
  const before = logMark();
  console.warn('Rolling back transaction failed', { marker });
  console.error(new Error(marker));
  expect(logMark()).toBeGreaterThan(before);
  expect(capturedText().split(marker).length - 1).toBe(2);
});

test('process streams are captured', () => {
  const marker = `stdout-marker-${randomUUID()}`;
  process.stdout.write(`${marker}\n`);
  process.stderr.write(`${marker}\n`);
  expect(capturedText().split(marker).length - 1).toBe(2);
});

const results = (files: Array<{ numFailingTests: number; testExecError?: unknown; failureMessage?: string | null }>, failed: number) => ({
  numPassedTests: 10,
  numFailedTests: failed,
  numPendingTests: 0,
  numTodoTests: 0,
  testResults: files,
});

test('the summary counts a test file that failed outside any test', () => {
  expect(summaryLine(results([{ numFailingTests: 0, failureMessage: null }], 0))).toBe('Tests: 10 passed, 0 failed');
  expect(summaryLine(results([{ numFailingTests: 1, failureMessage: 'x' }], 1))).toBe('Tests: 10 passed, 1 failed');
  expect(summaryLine(results([{ numFailingTests: 0, failureMessage: 'A registered password appeared' }], 0))).toBe(
    'Tests: 10 passed, 1 failed (1 from test files that failed outside a test)',
  );
  expect(summaryLine(results([{ numFailingTests: 0, testExecError: new Error('import failed') }], 0))).toMatch(/1 failed/);
});
