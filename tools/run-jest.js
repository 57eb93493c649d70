// `npm test`: runs jest with the given arguments, then prints the plain summary line last.
// npm test passes --forceExit: each test file exits cleanly on its own, but the whole in-band run (with
// the chaos test's PostgreSQL restart) has left one handle open after the summary; CI must not hang on it.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const summary = path.resolve(__dirname, '..', 'tmp', 'jest-summary.txt');
fs.rmSync(summary, { force: true });
const jest = require.resolve('jest/bin/jest');
const run = spawnSync(process.execPath, [jest, ...process.argv.slice(2)], { stdio: 'inherit' });
if (fs.existsSync(summary)) process.stdout.write(`\n${fs.readFileSync(summary, 'utf8')}`);
process.exit(run.status ?? 1);
