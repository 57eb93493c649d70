// Records one plain closing line, "tests: N passed, N failed[, N skipped]", that tools/run-jest.js prints
// after jest's own summary, so CI can read the outcome without knowing jest's format.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    const file = path.resolve(__dirname, '..', 'tmp', 'jest-summary.txt');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${line}\n`);
  }
}
module.exports = SummaryReporter;
