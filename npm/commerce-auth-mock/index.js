'use strict';
// The package's JavaScript entry point: where the binary is, and a mock started for a test run.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { binaryPath } = require('./lib/platform.js');
const { sandbox, defaultStore, MockError } = require('./lib/client.js');

const DEFAULT_TIMEOUT_MS = 15000;
const POLL_MS = 20;
const STDERR_KEEP = 8192;

/**
 * Starts `commerce-auth-mock serve` (port 0 by default) and resolves once it is listening, with
 * its URLs as `serve --ready-file` writes them, the child process, `stop()`, and control clients
 * of its sandboxes and default store that already know its address and control token.
 */
function start(options = {}) {
  const binary = options.binary || binaryPath();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'commerce-auth-mock-'));
  const readyFile = path.join(dir, 'ready.json');
  const args = ['serve', '--port', String(options.port ?? 0), '--ready-file', readyFile];
  if (options.host) args.push('--host', options.host);
  if (options.profile) args.push('--profile', options.profile);
  if (options.fixtures) args.push('--fixtures', options.fixtures);
  if (options.controlToken) args.push('--control-token', options.controlToken);
  if (options.args) args.push(...options.args);
  const output = options.stdio === 'inherit' ? 'inherit' : 'ignore';
  const child = spawn(binary, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', output, 'pipe'],
  });

  // Kept for the error message when the mock does not start; always drained, so a chatty mock
  // never blocks on a full pipe.
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    if (output === 'inherit') process.stderr.write(chunk);
    stderr = (stderr + chunk.toString()).slice(-STDERR_KEEP);
  });

  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ error }));
  });
  // A mock must not outlive the test process that started it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const cleanUp = () => {
    process.removeListener('exit', killOnExit);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      cleanUp();
    })();
    return stopping;
  };

  return new Promise((resolve, reject) => {
    let done = false;
    const fail = (message) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      stop().then(() => {
        const tail = stderr.trim();
        reject(new Error(tail ? `${message}\n${tail}` : message));
      });
    };
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(
      () => fail(`commerce-auth-mock did not report ready within ${timeoutMs} ms (${binary} ${args.join(' ')})`),
      timeoutMs,
    );
    exited.then(({ code, signal, error }) => {
      if (error) fail(`cannot run ${binary}: ${error.message}`);
      else fail(`commerce-auth-mock exited (${signal || `status ${code}`}) before it was ready`);
    });
    // serve writes the file with a rename, so a file that exists is whole.
    const poll = setInterval(() => {
      if (done) return;
      let urls;
      try {
        urls = JSON.parse(fs.readFileSync(readyFile, 'utf8'));
      } catch (e) {
        if (e.code === 'ENOENT') return;
        return fail(`cannot read the ready file ${readyFile}: ${e.message}`);
      }
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      const origin = urls.graphql.replace(/\/graphql$/, '');
      const withToken = (clientOptions) => ({ controlToken: options.controlToken, ...clientOptions });
      resolve({
        ...urls,
        process: child,
        stop,
        sandbox: (name, clientOptions) => sandbox(origin, name, withToken(clientOptions)),
        defaultStore: (clientOptions) => defaultStore(origin, withToken(clientOptions)),
      });
    }, POLL_MS);
  });
}

exports.binaryPath = binaryPath;
exports.start = start;
exports.sandbox = sandbox;
exports.defaultStore = defaultStore;
exports.MockError = MockError;
