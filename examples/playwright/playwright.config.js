// Four Playwright workers against one commerce-auth-mock, each worker in a sandbox of its own
// (tests/fixtures.js), all using the same e-mail addresses. See README.md.
//
// Environment:
//   COMMERCE_AUTH_MOCK_BIN  the mock's binary (default: the package's launcher,
//                           node_modules/.bin/commerce-auth-mock)
//   CHROMIUM                the browser (default /usr/bin/chromium); never downloaded
//   ISOLATION_SELF_TEST=1   put every worker in one shared sandbox: the run must then fail
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';

const here = path.dirname(fileURLToPath(import.meta.url));
const MOCK_BIN = process.env.COMMERCE_AUTH_MOCK_BIN || path.join(here, 'node_modules/.bin/commerce-auth-mock');
if (!existsSync(MOCK_BIN)) {
  throw new Error(
    `no mock at ${MOCK_BIN}: run npm ci here, or set COMMERCE_AUTH_MOCK_BIN to a binary ` +
      '(cargo build --release puts one at target/<host tuple>/release/commerce-auth-mock)',
  );
}
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WORKERS = 4;
const shellQuote = (s) => `'${s.replaceAll("'", "'\\''")}'`;

export default defineConfig({
  testDir: 'tests',
  workers: WORKERS,
  fullyParallel: true,
  // One journey per worker: the spec holds one test, run four times.
  repeatEach: WORKERS,
  // A retry would hide exactly the cross-talk this example exists to catch.
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 5_000 },
  forbidOnly: true,
  reporter: [['list']],
  outputDir: 'test-results',
  globalSetup: './tests/global-setup.js',
  // The mock on a free port (--port 0), bound to 127.0.0.1. Playwright waits for the line it
  // prints once listening and stores the named group in process.env.MOCK_BASE_URL, which the
  // workers, started after it, inherit. The text log format and the saas profile (the one with
  // admin one-time codes) are spelled out so that COMMERCE_AUTH_MOCK_* variables in the
  // environment cannot change what the tests rely on.
  webServer: {
    command: `${shellQuote(MOCK_BIN)} serve --host 127.0.0.1 --port 0 --profile saas --log-format text`,
    env: { RUST_LOG: 'warn', NO_COLOR: '1' },
    wait: { stdout: /serving GraphQL on (?<mock_base_url>http:\/\/127\.0\.0\.1:\d+)\/graphql/ },
    reuseExistingServer: false,
    timeout: 15_000,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
  use: {
    browserName: 'chromium',
    headless: true,
    // --no-sandbox because CI runs as root; the others stop Chromium's own background traffic
    // (updates, sync, QUIC probes), which must not leave the machine.
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
    actionTimeout: 10_000,
    trace: 'off',
  },
});
