/**
 * Ends the jest run with one plain line, `Tests: N passed, N failed` (plus skipped when any), that
 * any CI log reader can parse, whatever jest's own summary format. Written at process exit so it
 * is the last line, after jest's own summary.
 */
const { writeSync } = require('node:fs');

/**
 * The line for jest's aggregated results. A test file can fail with no failing test (a password
 * found in its logs, an unhandled rejection, an error in a hook or at import): each such file
 * counts as one failure, so the line never says "0 failed" for a failed run.
 */
function summaryLine(results) {
  const fileErrors = results.testResults.filter((file) => file.numFailingTests === 0 && (file.testExecError || file.failureMessage)).length;
  const failed = results.numFailedTests + fileErrors;
  const skipped = results.numPendingTests + results.numTodoTests;
  const detail = fileErrors ? ` (${fileErrors} from test files that failed outside a test)` : '';
  return `Tests: ${results.numPassedTests} passed, ${failed} failed${detail}${skipped ? `, ${skipped} skipped` : ''}`;
}

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const line = `\n${summaryLine(results)}\n`;
    process.once('exit', () => writeSync(1, line));
  }
}
module.exports = SummaryReporter;
module.exports.summaryLine = summaryLine;
