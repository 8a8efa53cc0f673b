#!/usr/bin/env node
'use strict';
// `npx commerce-auth-mock …`: runs the native binary with the same arguments, standard streams
// and exit status.

const { spawn } = require('node:child_process');
const { binaryPath } = require('../lib/platform.js');

let binary;
try {
  binary = binaryPath();
} catch (e) {
  console.error(`commerce-auth-mock: ${e.message}`);
  process.exit(1);
}

const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });

// A signal sent to this process alone (a test runner's kill, a process manager's SIGTERM) must
// reach the mock, which then finishes its in-flight requests and exits 0. A terminal's Ctrl-C
// already reaches both; the mock treats the repeat as the same request to stop.
const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
  }
};
for (const signal of forwarded) {
  process.on(signal, forward);
}

child.on('error', (e) => {
  console.error(`commerce-auth-mock: cannot run ${binary}: ${e.message}`);
  process.exit(1);
});

child.on('exit', (code, signal) => {
  if (signal) {
    // Die of the same signal, so the caller sees what the mock saw.
    for (const s of forwarded) {
      process.removeListener(s, forward);
    }
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code === null ? 1 : code);
});
