// Drives the example page in Debian's Chromium against a real commerce-auth-mock:
// sign up, sign in, see the customer's name. Run with `npm test`.
//
// Environment:
//   COMMERCE_AUTH_MOCK_BIN  the mock's binary (default: the repository's release build)
//   MOCK_SERVE_ARGS         extra arguments for `serve`, split on spaces (e.g. --fixtures FILE);
//                           the mock also reads its COMMERCE_AUTH_MOCK_* variables from this environment
//   CHROMIUM                the browser (default /usr/bin/chromium); never downloaded
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer, preview } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(root, '../..');
// The repository's release build: target/<host tuple>/release/ (the build names its target, see
// .cargo/config.toml), or target/release/ for a build without one.
function repoBinary() {
  const target = path.join(repo, 'target');
  const dirs = existsSync(target) ? readdirSync(target).map((d) => path.join(target, d)) : [];
  const found = [...dirs, target]
    .map((d) => path.join(d, 'release', 'commerce-auth-mock'))
    .find((p) => existsSync(p));
  return found || path.join(target, 'release', 'commerce-auth-mock');
}
const MOCK_BIN = process.env.COMMERCE_AUTH_MOCK_BIN || repoBinary();
const MOCK_SERVE_ARGS = (process.env.MOCK_SERVE_ARGS || '').split(' ').filter(Boolean);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// --no-sandbox because CI runs as root; the others stop Chromium's own background
// traffic (updates, sync, QUIC probes), which would only hit a closed network here
// and must not leave the machine anyway.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const PASSWORD = 'Vite-Example-2024';
const SIGN_IN_FAILED =
  'The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.';

let mock; // { url, stop }
let browser;
let devServer;
let previewServer;
let outDir;

/**
 * Starts the mock on a free port and resolves once it is listening: `serve --ready-file` writes
 * the served URLs as JSON (by a rename, so the file is never seen half-written).
 */
function startMock() {
  if (!existsSync(MOCK_BIN)) {
    throw new Error(`no mock binary at ${MOCK_BIN}: run cargo build --release, or set COMMERCE_AUTH_MOCK_BIN`);
  }
  const readyDir = mkdtempSync(path.join(tmpdir(), 'vite-example-mock-'));
  const readyFile = path.join(readyDir, 'ready.json');
  const child = spawn(
    MOCK_BIN,
    ['serve', '--host', '127.0.0.1', '--port', '0', '--ready-file', readyFile, ...MOCK_SERVE_ARGS],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Kept for the failure message: a mock that refuses its fixtures says why on stderr. Both
  // pipes are drained for the whole run (request log lines), so they never fill.
  const output = [];
  const remember = (line) => { output.push(line); if (output.length > 50) output.shift(); };
  createInterface({ input: child.stderr }).on('line', remember);
  createInterface({ input: child.stdout }).on('line', remember);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(readyDir, { recursive: true, force: true });
  };

  return new Promise((resolve, reject) => {
    let done = false;
    const fail = (error) => { if (!done) { done = true; clearInterval(poll); reject(error); } };
    const deadline = Date.now() + 10_000;
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`the mock exited (${code}) before serving:\n${output.join('\n')}`)));
    const poll = setInterval(() => {
      if (existsSync(readyFile)) {
        done = true;
        clearInterval(poll);
        const ready = JSON.parse(readFileSync(readyFile, 'utf8'));
        resolve({ url: ready.graphql.replace(/\/graphql$/, ''), stop });
      } else if (Date.now() > deadline) {
        child.kill('SIGKILL');
        fail(new Error(`the mock wrote no ready file within 10 s:\n${output.join('\n')}`));
      }
    }, 20);
  });
}

async function control(method, route) {
  // The control API acts only on JSON requests (a web page cannot drive it).
  const response = await fetch(`${mock.url}/__mock/${route}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(response.status, 200, `${method} /__mock/${route}`);
  return response.json();
}

/** The /graphql requests the mock received since its journal was last emptied, as "METHOD operation status". */
async function graphqlJournal() {
  const { requests } = await control('GET', 'journal');
  return requests
    .filter((r) => r.path === '/graphql')
    .map((r) => `${r.method} ${r.operation} ${r.status}`);
}

/** `vite build --outDir DIR`, as `npm run build` runs it; rejects on failure or after 60 s. */
function viteBuild(dir) {
  const vite = path.join(root, 'node_modules/vite/bin/vite.js');
  const child = spawn(process.execPath, [vite, 'build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('vite build took over 60 s')); }, 60_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(deadline);
      if (code === 0) resolve();
      else reject(new Error(`vite build failed (${signal ?? `exit ${code}`})`));
    });
  });
}

before(async () => {
  mock = await startMock();
  // vite.config.js reads the mock's address from here when it loads.
  process.env.MOCK_URL = mock.url;
  const common = { root, configFile: path.join(root, 'vite.config.js'), logLevel: 'warn', clearScreen: false };

  // Vite decides development or production from NODE_ENV, which the first server
  // started in a process sets for the whole process. So the dev server starts
  // first (NODE_ENV=development, as under `npm run dev`), and the build runs as
  // its own `vite build` process, as under `npm run build`; `vite preview` only
  // serves the built files, so it can share this process.
  devServer = await createServer({ ...common, server: { port: 0, strictPort: true } });
  await devServer.listen();

  outDir = mkdtempSync(path.join(tmpdir(), 'vite-example-'));
  await viteBuild(outDir);
  previewServer = await preview({ ...common, build: { outDir }, preview: { port: 0, strictPort: true } });

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await devServer?.close();
  await previewServer?.close();
  await mock?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Opens the page, remembering the URL of every request it makes. */
async function openPage(baseUrl) {
  const context = await browser.newContext();
  // Waits fail after 10 s with the selector in the message, not after Playwright's 30 s.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const requests = [];
  page.on('request', (request) => requests.push({ method: request.method(), url: new URL(request.url()) }));
  await page.goto(baseUrl);
  return { page, requests, close: () => context.close() };
}

/** Submits a form and waits until the page has reported the outcome; returns [kind, message]. */
async function submit(page, formSelector) {
  const done = await page.locator('#status').evaluate((el) => Number(el.dataset.done ?? 0));
  await page.locator(`${formSelector} button[type=submit]`).click();
  await page.waitForFunction((n) => Number(document.querySelector('#status').dataset.done ?? 0) > n, done);
  const status = page.locator('#status');
  return [await status.getAttribute('data-kind'), await status.textContent()];
}

async function signUp(page, { firstname, lastname, email }) {
  await page.fill('#sign-up [name=firstname]', firstname);
  await page.fill('#sign-up [name=lastname]', lastname);
  await page.fill('#sign-up [name=email]', email);
  await page.fill('#sign-up [name=password]', PASSWORD);
  assert.deepEqual(await submit(page, '#sign-up'), ['ok', `Account created for ${email}. You can sign in now.`]);
  // The page fills the sign-in email from the account the mock returned.
  assert.equal(await page.inputValue('#sign-in [name=email]'), email);
}

function uniqueCustomer(label) {
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return { firstname: `Vite${label}`, lastname: `Example-${tag}`, email: `vite-${label.toLowerCase()}-${tag}@example.com` };
}

/** The whole flow on one server: the name shown, every request same-origin, the mock saw each operation. */
async function signUpAndSignIn(baseUrl, label) {
  const customer = uniqueCustomer(label);
  await control('DELETE', 'journal');
  const { page, requests, close } = await openPage(baseUrl);
  try {
    await signUp(page, customer);
    await page.fill('#sign-in [name=password]', PASSWORD);
    assert.deepEqual(await submit(page, '#sign-in'), ['ok', 'Signed in.']);
    assert.equal(await page.textContent('#customer-name'), `${customer.firstname} ${customer.lastname}`);
    assert.equal(await page.textContent('#customer-email'), customer.email);
    assert.equal(await page.isVisible('#signed-in'), true);

    // The browser talked to its own origin only...
    const origin = new URL(baseUrl).origin;
    assert.deepEqual(requests.filter((r) => r.url.origin !== origin).map((r) => r.url.href), []);
    assert.deepEqual(
      requests.filter((r) => r.url.pathname === '/graphql').map((r) => r.method),
      ['POST', 'POST', 'GET'],
    );
    // ...and those requests reached the mock, so the proxy carried them.
    assert.deepEqual(await graphqlJournal(), [
      'POST createCustomerV2 200',
      'POST generateCustomerToken 200',
      'GET customer 200',
    ]);
  } finally {
    await close();
  }
}

test('vite dev server: sign up, sign in, the page shows the customer through the proxy', async () => {
  await signUpAndSignIn(devServer.resolvedUrls.local[0], 'Dev');
});

test('vite build + vite preview: the built page does the same through preview.proxy', async () => {
  await signUpAndSignIn(previewServer.resolvedUrls.local[0], 'Preview');
});

test("a wrong password shows Magento's sign-in message, passed through with its 401", async () => {
  const customer = uniqueCustomer('Wrong');
  const { page, close } = await openPage(devServer.resolvedUrls.local[0]);
  try {
    await signUp(page, customer);
    await control('DELETE', 'journal');
    await page.fill('#sign-in [name=password]', `${PASSWORD}-wrong`);
    assert.deepEqual(await submit(page, '#sign-in'), ['error', SIGN_IN_FAILED]);
    assert.equal(await page.isVisible('#signed-in'), false);
    assert.deepEqual(await graphqlJournal(), ['POST generateCustomerToken 401']);
  } finally {
    await close();
  }
});

test('/rest is proxied too, on both servers (admin REST answers in its own error shape)', async () => {
  for (const server of [devServer, previewServer]) {
    const url = new URL('/rest/V1/customers/1', server.resolvedUrls.local[0]);
    const response = await fetch(url);
    assert.equal(response.status, 401, url.href);
    assert.deepEqual(await response.json(), {
      message: "The consumer isn't authorized to access %resources.",
      parameters: { resources: 'Magento_Customer::customer' },
    });
  }
});
