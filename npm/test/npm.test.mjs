// The npm packages as a user gets them: npm/pack.sh packs the tarballs, a scratch project installs
// them with `npm install --offline` (no registry), and then `npx commerce-auth-mock serve`,
// `import('commerce-auth-mock')` and `start()` must work. Start-up times through the launcher are
// printed as diagnostics, never asserted.
//
//   cargo build --release && node --test npm/test/
//
// (COMMERCE_AUTH_MOCK_BINARY=path packs that binary instead of the release build.)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NPM_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const ROOT = path.dirname(NPM_DIR);
const VERSION = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8').match(/^version = "(.+)"$/m)[1];
const HERE = `${process.platform}-${process.arch}`;
const SIGN_IN =
  '{"query":"mutation { generateCustomerToken(email: \\"roni_cost@example.com\\", password: \\"Roni-Cost-2024\\") { token } }"}';

let work;
let tarballs;
let project;

/** Runs a command, failing the test with its output when it exits non-zero. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    assert.fail(`${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** The environment of npm and npx in the scratch project: no registry, a cache of its own. */
function offlineEnv(extra = {}) {
  const env = {
    ...process.env,
    npm_config_offline: 'true',
    npm_config_cache: path.join(work, 'npm-cache'),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
  delete env.COMMERCE_AUTH_MOCK_BINARY;
  delete env.COMMERCE_AUTH_MOCK_PORT;
  return env;
}

async function waitForFile(file, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
    if (Date.now() > deadline) assert.fail(`${file} never appeared`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function signIn(graphql) {
  const response = await fetch(graphql, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: SIGN_IN,
  });
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.match(body.data.generateCustomerToken.token, /^eyJ/);
}

function exitOf(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Starts `command args… serve --port 0 --ready-file F` in the scratch project, in a process group
 * of its own; resolves with the URLs, the child and the milliseconds until the file appeared.
 */
async function startServe(command, args) {
  const ready = path.join(fs.mkdtempSync(path.join(work, 'ready-')), 'ready.json');
  const started = process.hrtime.bigint();
  const child = spawn(command, [...args, 'serve', '--port', '0', '--ready-file', ready], {
    cwd: project,
    env: offlineEnv({ RUST_LOG: 'warn' }),
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const urls = await waitForFile(ready);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { urls, child, ms };
}

/** SIGTERM to the whole process group (npx, the launcher and the binary), then its exit. */
async function stopGroup(child) {
  const exited = exitOf(child);
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  return exited;
}

/** Resolves once nothing answers at `url` (the mock has exited), failing after 5 s. */
async function portClosed(url) {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await fetch(url, { method: 'POST' });
    } catch {
      return;
    }
    if (Date.now() > deadline) assert.fail(`${url} still answers after its process group was stopped`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'commerce-auth-mock-npm-'));
  const out = path.join(work, 'tarballs');
  run('bash', [path.join(NPM_DIR, 'pack.sh'), out], { stdio: ['ignore', 'pipe', 'inherit'] });
  tarballs = fs.readdirSync(out).sort().map((f) => path.join(out, f));
  project = path.join(work, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', ...tarballs], { cwd: project, env: offlineEnv() });
});

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('pack.sh packs the main package and this platform\'s, with the binary only in the platform package', () => {
  assert.deepEqual(
    tarballs.map((t) => path.basename(t)),
    [`commerce-auth-mock-${VERSION}.tgz`, `commerce-auth-mock-${HERE}-${VERSION}.tgz`],
  );
  const list = (t) => run('tar', ['-tzf', t]).stdout.trim().split('\n').sort();
  assert.deepEqual(list(tarballs[0]), [
    'package/README.md',
    'package/bin/commerce-auth-mock.js',
    'package/index.d.ts',
    'package/index.js',
    'package/lib/client.js',
    'package/lib/platform.js',
    'package/package.json',
  ]);
  assert.deepEqual(list(tarballs[1]), ['package/README.md', 'package/bin/commerce-auth-mock', 'package/package.json']);
});

test('installed offline: this platform\'s package only, with an executable static binary', () => {
  const scope = path.join(project, 'node_modules', '@commerce-auth-mock');
  assert.deepEqual(fs.readdirSync(scope), [HERE]);
  const binary = path.join(scope, HERE, 'bin', 'commerce-auth-mock');
  assert.ok(fs.statSync(binary).mode & 0o111, 'executable');
  const manifest = JSON.parse(fs.readFileSync(path.join(scope, HERE, 'package.json'), 'utf8'));
  assert.deepEqual([manifest.os, manifest.cpu], [[process.platform], [process.arch]]);
  if (process.platform === 'linux') {
    assert.deepEqual(manifest.libc, ['glibc', 'musl']);
    const ldd = spawnSync('ldd', [binary], { encoding: 'utf8' });
    assert.match(ldd.stdout + ldd.stderr, /statically linked|not a dynamic executable/);
  }
  const main = JSON.parse(fs.readFileSync(path.join(project, 'node_modules', 'commerce-auth-mock', 'package.json'), 'utf8'));
  assert.equal(main.dependencies, undefined, 'no runtime dependencies');
  assert.equal(main.optionalDependencies[`@commerce-auth-mock/${HERE}`], VERSION);
});

test('npx commerce-auth-mock serve --port 0 --ready-file F answers GraphQL', async (t) => {
  const times = { npx: [], launcher: [], binary: [] };
  const binary = path.join(project, 'node_modules', '@commerce-auth-mock', HERE, 'bin', 'commerce-auth-mock');
  const launcher = path.join(project, 'node_modules', '.bin', 'commerce-auth-mock');
  for (let i = 0; i < 3; i++) {
    for (const [name, command, args] of [
      ['npx', 'npx', ['--no', 'commerce-auth-mock']],
      ['launcher', launcher, []],
      ['binary', binary, []],
    ]) {
      const { urls, child, ms } = await startServe(command, args);
      times[name].push(ms);
      if (i === 0) {
        assert.equal(urls.graphql, `http://127.0.0.1:${urls.port}/graphql`);
        await signIn(urls.graphql);
      }
      const exit = await stopGroup(child);
      // npm itself dies of the signal; the launcher and the binary stop the mock and exit 0.
      const clean = name === 'npx' ? [{ code: 0, signal: null }, { code: null, signal: 'SIGTERM' }] : [{ code: 0, signal: null }];
      assert.ok(clean.some((c) => c.code === exit.code && c.signal === exit.signal), `${name}: ${JSON.stringify(exit)}`);
      await portClosed(urls.graphql);
    }
  }
  t.diagnostic(
    `start-up until the ready file (median of 3): npx ${median(times.npx).toFixed(0)} ms, ` +
      `launcher ${median(times.launcher).toFixed(0)} ms, binary ${median(times.binary).toFixed(0)} ms`,
  );
});

test('the launcher passes arguments, output and exit status through', () => {
  const launcher = path.join(project, 'node_modules', '.bin', 'commerce-auth-mock');
  const version = spawnSync(launcher, ['--version'], { encoding: 'utf8', env: offlineEnv() });
  assert.equal(version.status, 0);
  assert.equal(version.stdout, `commerce-auth-mock ${VERSION}\n`);
  const check = spawnSync(launcher, ['fixtures', 'check', path.join(work, 'no-such-file.json')], {
    encoding: 'utf8',
    env: offlineEnv(),
  });
  assert.equal(check.status, 1);
  assert.match(check.stdout, /no-such-file\.json: cannot read the file/);
});

test('SIGTERM to the launcher alone stops the mock, which exits 0', async () => {
  const launcher = path.join(project, 'node_modules', '.bin', 'commerce-auth-mock');
  const ready = path.join(fs.mkdtempSync(path.join(work, 'ready-')), 'ready.json');
  const child = spawn(launcher, ['serve', '--port', '0', '--ready-file', ready], {
    env: offlineEnv({ RUST_LOG: 'warn' }),
    stdio: 'ignore',
  });
  const urls = await waitForFile(ready);
  const exited = exitOf(child);
  child.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null });
  await portClosed(urls.graphql);
});

test('import() and require() give binaryPath(), start() and the control client; start() resolves with URLs that answer', () => {
  const script = `
    import { binaryPath, defaultStore, sandbox, start, MockError } from 'commerce-auth-mock';
    import { createRequire } from 'node:module';
    const cjs = createRequire(import.meta.url)('commerce-auth-mock');
    const mock = await start({ profile: 'paas-2.4.8' });
    const clients = [
      sandbox(mock.graphql, 'from-esm').graphqlUrl, mock.sandbox('w').controlUrl,
      (await defaultStore(mock.graphql).health()).sandbox, (await mock.sandbox('w').health()).sandbox,
      typeof MockError, cjs.sandbox === sandbox && cjs.defaultStore === defaultStore && cjs.MockError === MockError,
    ];
    const answer = await fetch(mock.graphql, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: ${JSON.stringify(SIGN_IN)},
    }).then((r) => r.json());
    const health = await fetch(mock.control + '/health').then((r) => r.json());
    const console_ = await fetch(mock.console).then((r) => r.status);
    const pid = mock.process.pid;
    await mock.stop();
    let alive = true;
    try { process.kill(pid, 0); } catch { alive = false; }
    let failed = null;
    try { await start({ args: ['--no-such-option'] }); } catch (e) { failed = e.message; }
    console.log(JSON.stringify({
      binaryPath: binaryPath(), same: cjs.binaryPath() === binaryPath() && cjs.start === start,
      urls: { graphql: mock.graphql, rest: mock.rest, control: mock.control, console: mock.console, port: mock.port },
      token: answer.data.generateCustomerToken.token.slice(0, 3), profile: health.profile, console: console_,
      alive, failed, clients,
    }));
  `;
  fs.writeFileSync(path.join(project, 'check.mjs'), script);
  const result = run('node', ['check.mjs'], { cwd: project, env: offlineEnv() });
  const got = JSON.parse(result.stdout);
  assert.equal(got.binaryPath, path.join(fs.realpathSync(project), 'node_modules', '@commerce-auth-mock', HERE, 'bin', 'commerce-auth-mock'));
  assert.equal(got.same, true);
  const base = `http://127.0.0.1:${got.urls.port}`;
  assert.deepEqual(got.urls, {
    graphql: `${base}/graphql`,
    rest: `${base}/rest`,
    control: `${base}/__mock`,
    console: `${base}/__mock/ui`,
    port: got.urls.port,
  });
  assert.equal(got.token, 'eyJ');
  assert.equal(got.profile, 'paas-2.4.8');
  assert.equal(got.console, 200);
  assert.equal(got.alive, false, 'stop() waited for the process to exit');
  assert.deepEqual(got.clients, [`${base}/from-esm/graphql`, `${base}/w/__mock`, null, 'w', 'function', true]);
  assert.match(got.failed, /exited \(status 2\) before it was ready\n.*--no-such-option/s);
});

test('without a matching platform package the message names the platform and how to build from source', () => {
  const platformJs = path.join(project, 'node_modules', 'commerce-auth-mock', 'lib', 'platform.js');
  const script = `
    const { locateBinary } = require(${JSON.stringify(platformJs)});
    const at = (platform, arch, env = {}) => locateBinary({ platform, arch, env, resolve: require.resolve });
    console.log(JSON.stringify({
      unknown: at('freebsd', 'x64').error.message,
      missing: at('linux', '${HERE === 'linux-arm64' ? 'x64' : 'arm64'}').error.message,
      override: at('freebsd', 'x64', { COMMERCE_AUTH_MOCK_BINARY: '/opt/cam' }).path,
    }));
  `;
  const got = JSON.parse(run('node', ['-e', script], { cwd: project, env: offlineEnv() }).stdout);
  assert.match(got.unknown, /no prebuilt binary for this platform \(freebsd-x64\)/);
  assert.match(got.unknown, /cargo install --path \./);
  assert.match(got.unknown, /COMMERCE_AUTH_MOCK_BINARY/);
  const other = HERE === 'linux-arm64' ? 'linux-x64' : 'linux-arm64';
  assert.match(got.missing, new RegExp(`The package @commerce-auth-mock/${other}, which carries the ${other} binary`));
  assert.match(got.missing, /--omit=optional/);
  assert.equal(got.override, '/opt/cam');
});

test('the launcher on a machine without its platform package exits 1 with that message', () => {
  // The same install, with this platform's package removed (as --omit=optional would leave it).
  const copy = path.join(work, 'without-platform');
  fs.cpSync(project, copy, { recursive: true, verbatimSymlinks: true });
  fs.rmSync(path.join(copy, 'node_modules', '@commerce-auth-mock'), { recursive: true });
  const launcher = path.join(copy, 'node_modules', 'commerce-auth-mock', 'bin', 'commerce-auth-mock.js');
  const result = spawnSync(process.execPath, [launcher, 'serve'], { encoding: 'utf8', env: offlineEnv() });
  assert.equal(result.status, 1);
  assert.match(result.stderr, new RegExp(`^commerce-auth-mock: The package @commerce-auth-mock/${HERE}, which carries the ${HERE} binary of commerce-auth-mock, is not installed\\.`));
});

test('pack.sh refuses versions that differ from Cargo.toml\'s', () => {
  const copy = path.join(work, 'version-check');
  fs.mkdirSync(copy);
  fs.cpSync(NPM_DIR, path.join(copy, 'npm'), { recursive: true, filter: (src) => !src.includes('node_modules') });
  fs.writeFileSync(path.join(copy, 'Cargo.toml'), '[package]\nname = "commerce-auth-mock"\nversion = "9.9.9"\n');
  const result = spawnSync('bash', [path.join(copy, 'npm', 'pack.sh'), path.join(copy, 'out')], { encoding: 'utf8' });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /the npm packages must all be version 9\.9\.9 \(Cargo\.toml\)/);
  assert.match(result.stderr, new RegExp(`npm/commerce-auth-mock/package.json: version ${VERSION.replace(/\./g, '\\.')}`));
  assert.match(result.stderr, /npm\/platforms\/win32-x64\/package.json: version/);
  assert.match(result.stderr, /optionalDependencies\["@commerce-auth-mock\/darwin-arm64"\]/);
  assert.deepEqual(fs.existsSync(path.join(copy, 'out')) ? fs.readdirSync(path.join(copy, 'out')) : [], []);
});

const TYPESCRIPT_TOOLS = process.env.TYPESCRIPT_TOOLS;

test(
  'index.d.ts types the API as the package exports it',
  { skip: TYPESCRIPT_TOOLS ? false : 'TYPESCRIPT_TOOLS is not set (a folder with typescript and @types/node; .ci/run sets it)' },
  () => {
    const dir = path.join(project, 'types-check');
    fs.mkdirSync(dir, { recursive: true });
    // Uses every declared name; the @ts-expect-error lines fail the check if the types were
    // missing or `any` (an unused @ts-expect-error is itself an error).
    fs.writeFileSync(
      path.join(dir, 'check.ts'),
      `import { binaryPath, defaultStore, sandbox, start, MockError } from 'commerce-auth-mock';
import type {
  ClientOptions, ClockState, Customer, CustomerInput, DefaultStore, Email, Fault, FaultInput, JournalEntry,
  RunningMock, Sandbox, SandboxInfo, ServedUrls, Settings, StartOptions, Store,
} from 'commerce-auth-mock';

const options: StartOptions = {
  port: 0, host: '127.0.0.1', profile: 'paas-2.4.7', fixtures: 'f.json', controlToken: 't',
  args: ['--watch'], env: { RUST_LOG: 'warn' }, binary: binaryPath(), timeoutMs: 1000, stdio: 'inherit',
};

export async function main(): Promise<number> {
  const mock: RunningMock = await start(options);
  const urls: ServedUrls = mock;
  const graphql: string = urls.graphql;
  const consoleUrl: string | null = mock.console;
  mock.process.kill('SIGTERM');
  await mock.stop();
  return graphql.length + (consoleUrl ?? '').length + mock.port;
}

export async function client(mock: RunningMock): Promise<number> {
  const clientOptions: ClientOptions = { controlToken: 't', adminToken: 'a', timeoutMs: 1000 };
  const sb: Sandbox = sandbox('http://127.0.0.1:4000', 'worker-0', clientOptions);
  const home: DefaultStore = defaultStore('http://127.0.0.1:4000');
  const stores: Store[] = [sb, home, mock.sandbox('w'), mock.defaultStore({ timeoutMs: 5 })];
  const urls: string[] = [sb.name, sb.baseUrl, sb.graphqlUrl, sb.restUrl, sb.controlUrl];
  const homeName: null = home.name;
  await sb.reset();
  const clocks: ClockState[] = [
    await sb.clock.freeze(), await sb.clock.advance(31), await sb.clock.set(2_000_000_000),
    await sb.clock.resume(), await sb.clock.real(), await sb.clock.get(),
  ];
  const now: number = await sb.clock.now();
  const email: Email = await sb.outbox.latest('a@example.com', { kind: 'reset_password' });
  const emails: Email[] = await sb.outbox.all();
  await sb.outbox.clear();
  const input: CustomerInput = { email: 'a@example.com', firstname: 'A', lastname: 'B', password: null, locked_until: 1 };
  const customer: Customer = await sb.customers.add(input);
  const updated: Customer = await sb.customers.update(customer.id, { confirmed: false });
  const customers: Customer[] = await sb.customers.list();
  await sb.customers.remove(updated.id);
  const settings: Settings = await sb.settings.patch({ confirmation_required: true });
  const read: boolean = (await sb.settings.get()).confirmation_required;
  const faultInput: FaultInput = { match: { route: 'POST /V1/customer/{id}/otp' }, kind: 'http_error', status: 503, times: 1 };
  const fault: Fault = await sb.faults.add(faultInput);
  const faults: Fault[] = await sb.faults.list();
  await sb.faults.clear();
  const journal: JournalEntry[] = await sb.journal.list(10);
  await sb.journal.clear();
  const code: string = await sb.loginCode(2, { reason: 'ticket' });
  const ended: boolean = await sb.end();
  const listed: SandboxInfo[] = await home.sandboxes();
  const error: MockError = new MockError('x');
  const status: number | undefined = error.status;
  return stores.length + urls.length + (homeName ?? '').length + clocks.length + now + email.token.length +
    emails.length + customers.length + Number(settings.otc_ttl_seconds) + Number(read) + fault.id + faults.length +
    journal.length + code.length + Number(ended) + listed.length + (status ?? 0);
}

// @ts-expect-error: not a profile
void start({ profile: 'magento' });
// @ts-expect-error: the default store has no end()
void defaultStore('http://127.0.0.1:4000').end();
// @ts-expect-error: not a setting
void sandbox('http://127.0.0.1:4000', 'w').settings.patch({ confirmation_requried: true });
// @ts-expect-error: an http_error fault needs its status
void sandbox('http://127.0.0.1:4000', 'w').faults.add({ match: { operation: 'customer' }, kind: 'http_error' });
// @ts-expect-error: a customer needs its names
void sandbox('http://127.0.0.1:4000', 'w').customers.add({ email: 'a@example.com' });
// @ts-expect-error: not an email kind
void sandbox('http://127.0.0.1:4000', 'w').outbox.latest('a@example.com', { kind: 'welcome' });
// @ts-expect-error: a sandbox's name is a string
export const sandboxName: null = ({} as Sandbox).name;
// @ts-expect-error: the control URL is null with --no-control
export const control: string = ({} as RunningMock).control;
// @ts-expect-error: stop() is a promise
export const stopped: void = ({} as RunningMock).stop();
`,
    );
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'node16',
          moduleResolution: 'node16',
          target: 'es2022',
          types: ['node'],
          typeRoots: [path.join(TYPESCRIPT_TOOLS, 'node_modules', '@types')],
        },
        files: ['check.ts'],
      }),
    );
    const tsc = path.join(TYPESCRIPT_TOOLS, 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], { cwd: dir });
  },
);
