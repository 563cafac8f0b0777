/**
 * Ends the jest run with one plain line, `Tests: N passed, N failed` (plus skipped when any), that
 * any CI log reader can parse, whatever jest's own summary format. Written at process exit so it
 * is the last line, after jest's own summary.
 */
const { writeSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `\nTests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
    process.once('exit', () => writeSync(1, line));
  }
}
module.exports = SummaryReporter;
