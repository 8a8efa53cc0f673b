// The control client (`sandbox()`, `defaultStore()`, `start().sandbox()`) against the real
// binary: every method is proven by what it does to the mock (a token that expires, a reset token
// that resets, a customer who signs in, a fault that answers, a code that signs in), and two
// sandboxes are shown not to see each other. Each test works in a sandbox of its own, so the
// tests share one mock and never each other's state.
//
//   cargo build --release && node --test npm/test/
//
// (COMMERCE_AUTH_MOCK_BINARY=path runs that binary instead of the release build.)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const NPM_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const ROOT = path.dirname(NPM_DIR);
const pkg = createRequire(import.meta.url)(path.join(NPM_DIR, 'commerce-auth-mock', 'index.js'));
const { defaultStore, sandbox, start, MockError } = pkg;

const GENERIC =
  'The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.';
const RONI = 'roni_cost@example.com';
const RONI_PASSWORD = 'Roni-Cost-2024';
const ASSISTED_ID = 2;
const ASSISTED = 'assisted@example.com';

/** The binary pack.sh would pack: COMMERCE_AUTH_MOCK_BINARY, else the release build. */
function releaseBinary() {
  if (process.env.COMMERCE_AUTH_MOCK_BINARY) return process.env.COMMERCE_AUTH_MOCK_BINARY;
  const tuple = execFileSync('rustc', ['-vV'], { encoding: 'utf8' }).match(/^host: (.+)$/m)[1];
  const exe = process.platform === 'win32' ? 'commerce-auth-mock.exe' : 'commerce-auth-mock';
  const file = path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), tuple, 'release', exe);
  if (!fs.existsSync(file)) {
    throw new Error(`no binary at ${file}: run \`cargo build --release\` first (or set COMMERCE_AUTH_MOCK_BINARY)`);
  }
  return file;
}

const BINARY = releaseBinary();
let mock;
let work;
let counter = 0;

/** A sandbox no other test uses. */
function fresh(label) {
  counter += 1;
  return mock.sandbox(`${label}-${counter}`);
}

async function gql(url, query, variables = {}, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return { status: response.status, body: await response.json() };
}

const SIGN_IN = 'mutation($e: String!, $p: String!) { generateCustomerToken(email: $e, password: $p) { token } }';
const WHO_AM_I = '{ customer { email firstname } }';

/** The token of a sign-in that must succeed. */
async function signIn(store, email, password) {
  const r = await gql(store.graphqlUrl, SIGN_IN, { e: email, p: password });
  assert.equal(r.status, 200, `sign-in of ${email} at ${store.graphqlUrl}: ${JSON.stringify(r.body)}`);
  return r.body.data.generateCustomerToken.token;
}

/** The message of a sign-in that must fail. */
async function signInRefused(store, email, password) {
  const r = await gql(store.graphqlUrl, SIGN_IN, { e: email, p: password });
  assert.ok(r.body.errors, `sign-in of ${email} at ${store.graphqlUrl} should fail: ${JSON.stringify(r.body)}`);
  return r.body.errors[0].message;
}

async function rejectsWith(promise, pattern) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof MockError, `a MockError, not ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'commerce-auth-mock-client-'));
  mock = await start({ binary: BINARY, host: '127.0.0.1', env: { RUST_LOG: 'warn' } });
});

after(async () => {
  await mock?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('a sandbox names its URLs under its prefix; bad names and addresses are refused before any request', () => {
  const base = `http://127.0.0.1:${mock.port}`;
  for (const address of [base, `${base}/`, `${base}/graphql`]) {
    const sb = sandbox(address, 'worker-3');
    assert.deepEqual(
      { name: sb.name, baseUrl: sb.baseUrl, graphqlUrl: sb.graphqlUrl, restUrl: sb.restUrl, controlUrl: sb.controlUrl },
      {
        name: 'worker-3',
        baseUrl: `${base}/worker-3`,
        graphqlUrl: `${base}/worker-3/graphql`,
        restUrl: `${base}/worker-3/rest`,
        controlUrl: `${base}/worker-3/__mock`,
      },
    );
  }
  const store = defaultStore(base);
  assert.deepEqual([store.name, store.graphqlUrl, store.controlUrl], [null, `${base}/graphql`, `${base}/__mock`]);
  assert.equal(mock.sandbox('w').graphqlUrl, `${base}/w/graphql`);
  for (const name of ['', '-w', 'a.b', 'a/b', 'graphql', '__mock', 'rest', 'x'.repeat(64), 7, undefined]) {
    assert.throws(() => sandbox(base, name), TypeError, String(name));
  }
  assert.equal(sandbox(base, 'x'.repeat(63)).name.length, 63);
  for (const address of ['', 'not a url', `${base}?x=1`]) {
    assert.throws(() => sandbox(address, 'w'), TypeError, address);
  }
});

test('clock: freeze, set and advance move the token expiry that GraphQL checks; now(), resume() and real()', async () => {
  const sb = fresh('clock');
  const frozen = await sb.clock.freeze();
  assert.equal(frozen.frozen, true);
  assert.equal(frozen.virtual, true);
  const T = 2_000_000_000;
  assert.deepEqual(await sb.clock.set(T), { now: T, virtual: true, frozen: true });
  assert.equal(await sb.clock.now(), T);

  const token = await signIn(sb, RONI, RONI_PASSWORD);
  assert.equal(JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).iat, T, 'issued on the sandbox clock');
  assert.deepEqual(await sb.clock.advance(3599), { now: T + 3599, virtual: true, frozen: true });
  assert.equal((await gql(sb.graphqlUrl, WHO_AM_I, {}, token)).body.data.customer.email, RONI);
  await sb.clock.advance(1); // the customer token lives 60 minutes: expired when exp <= now
  const expired = await gql(sb.graphqlUrl, WHO_AM_I, {}, token);
  assert.equal(expired.status, 401);
  assert.equal(expired.body.errors[0].message, 'Consumer key has expired');

  const resumed = await sb.clock.resume();
  assert.deepEqual([resumed.virtual, resumed.frozen], [true, false]);
  assert.ok(resumed.now >= T + 3600, 'runs on from where it stood');
  const real = await sb.clock.real();
  assert.deepEqual([real.virtual, real.frozen], [false, false]);
  assert.ok(Math.abs(real.now - Date.now() / 1000) < 5, `${real.now} is the system time`);
  assert.deepEqual([(await sb.clock.get()).virtual, (await sb.clock.get()).frozen], [false, false]);
  await assert.rejects(sb.clock.advance(1.5), TypeError);
  await assert.rejects(sb.clock.set('soon'), TypeError);
});

test('outbox.latest gives the newest reset token of requestPasswordResetEmail, and that token resets the password', async () => {
  const sb = fresh('outbox');
  await rejectsWith(sb.outbox.latest(RONI), /no email to roni_cost@example\.com in the outbox of http:\/\/.+\/outbox-\d+$/);
  const REQUEST = 'mutation($e: String!) { requestPasswordResetEmail(email: $e) }';
  assert.deepEqual((await gql(sb.graphqlUrl, REQUEST, { e: RONI })).body, { data: { requestPasswordResetEmail: true } });
  const first = await sb.outbox.latest(RONI);
  assert.deepEqual((await gql(sb.graphqlUrl, REQUEST, { e: RONI })).body, { data: { requestPasswordResetEmail: true } });
  const email = await sb.outbox.latest('RONI_COST@example.com'); // addresses match ignoring case
  assert.equal(email.kind, 'reset_password');
  assert.equal(email.to, RONI);
  assert.match(email.token, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(email.token, first.token, 'the newest email, not the first');
  assert.equal(email.link, `${sb.baseUrl}/customer/account/createPassword/?token=${email.token}`);
  assert.deepEqual((await sb.outbox.all(RONI)).map((e) => e.token), [first.token, email.token]);

  const RESET = 'mutation($e: String!, $t: String!, $p: String!) { resetPassword(email: $e, resetPasswordToken: $t, newPassword: $p) }';
  const stale = await gql(sb.graphqlUrl, RESET, { e: RONI, t: first.token, p: 'Brand-New-2026' });
  assert.equal(stale.body.errors[0].message, 'The password token is mismatched. Reset and try again.');
  const reset = await gql(sb.graphqlUrl, RESET, { e: RONI, t: email.token, p: 'Brand-New-2026' });
  assert.deepEqual(reset.body, { data: { resetPassword: true } });
  await signIn(sb, RONI, 'Brand-New-2026');
  assert.equal(await signInRefused(sb, RONI, RONI_PASSWORD), GENERIC);

  // kind: a confirmation email to the same address is told apart.
  await sb.settings.patch({ confirmation_required: true });
  const CREATE = 'mutation($e: String!) { createCustomerV2(input: {email: $e, firstname: "Kind", lastname: "Filter", password: "Kind-Filter-2024"}) { customer { email } } }';
  assert.equal((await gql(sb.graphqlUrl, CREATE, { e: 'kind@example.com' })).status, 200);
  assert.equal((await gql(sb.graphqlUrl, REQUEST, { e: 'kind@example.com' })).status, 200);
  assert.equal((await sb.outbox.latest('kind@example.com')).kind, 'reset_password');
  const confirmation = await sb.outbox.latest('kind@example.com', { kind: 'confirmation' });
  assert.equal(confirmation.kind, 'confirmation');
  assert.match(confirmation.link, new RegExp(`^${sb.baseUrl}/customer/account/confirm/\\?`));
  await rejectsWith(sb.outbox.latest(RONI, { kind: 'confirmation' }), /no confirmation email to roni_cost@example\.com .*\(2 of another kind\)$/);
  assert.equal((await sb.outbox.all()).length, 4);
  await sb.outbox.clear();
  assert.deepEqual(await sb.outbox.all(), []);
});

test('customers.add, update and remove: the customer signs in, then with the changed password, then not at all', async () => {
  const sb = fresh('customers');
  const added = await sb.customers.add({ email: 'new@example.com', firstname: 'New', lastname: 'Shopper', password: 'New-Shopper-2024' });
  assert.equal(added.id, 7, 'after the six fixture customers');
  assert.deepEqual([added.email, added.confirmed, added.has_password, added.locked_until], ['new@example.com', true, true, null]);
  const token = await signIn(sb, 'new@example.com', 'New-Shopper-2024');
  assert.deepEqual((await gql(sb.graphqlUrl, WHO_AM_I, {}, token)).body.data.customer, { email: 'new@example.com', firstname: 'New' });

  const updated = await sb.customers.update(added.id, { password: 'Changed-Shopper-2024', firstname: 'Renamed' });
  assert.equal(updated.firstname, 'Renamed');
  await signIn(sb, 'new@example.com', 'Changed-Shopper-2024');
  assert.equal(await signInRefused(sb, 'new@example.com', 'New-Shopper-2024'), GENERIC);
  assert.ok((await sb.customers.list()).some((c) => c.email === 'new@example.com'));

  await sb.customers.remove(added.id);
  assert.equal(await signInRefused(sb, 'new@example.com', 'Changed-Shopper-2024'), GENERIC);
  assert.ok(!(await sb.customers.list()).some((c) => c.email === 'new@example.com'));
  await rejectsWith(sb.customers.remove(added.id), /^DELETE http:\/\/.+\/customers\/7 answered 404: No customer with id 7\./);
  await rejectsWith(
    sb.customers.add({ email: RONI, firstname: 'Same', lastname: 'Email' }),
    /^POST http:\/\/.+\/__mock\/customers answered 400: A customer with the same email address already exists in an associated website\.$/,
  );
});

test('settings.patch confirmation_required: a new account gets the unconfirmed message until confirmed', async () => {
  const sb = fresh('settings');
  assert.equal((await sb.settings.get()).confirmation_required, false, "a fresh Magento's default");
  const patched = await sb.settings.patch({ confirmation_required: true });
  assert.equal(patched.confirmation_required, true);
  assert.equal(patched.otc_ttl_seconds, 30, 'the others stay');
  const CREATE = 'mutation { createCustomerV2(input: {email: "confirm-me@example.com", firstname: "Con", lastname: "Firm", password: "Confirm-Me-2024"}) { customer { email } } }';
  assert.equal((await gql(sb.graphqlUrl, CREATE)).status, 200);
  assert.equal(await signInRefused(sb, 'confirm-me@example.com', 'Confirm-Me-2024'), "This account isn't confirmed. Verify and try again.");
  const { token: key } = await sb.outbox.latest('confirm-me@example.com', { kind: 'confirmation' });
  const [customer] = (await sb.customers.list()).filter((c) => c.email === 'confirm-me@example.com');
  const CONFIRM = 'mutation($id: String!, $k: String!) { confirmEmail(input: {email: $id, confirmation_key: $k}) { customer { email } } }';
  assert.equal((await gql(sb.graphqlUrl, CONFIRM, { id: customer.email, k: key })).status, 200);
  await signIn(sb, 'confirm-me@example.com', 'Confirm-Me-2024');
  await rejectsWith(sb.settings.patch({ otc_ttl_seconds: 'soon' }), /^PATCH .+\/__mock\/settings answered 400: Invalid settings: otc_ttl_seconds/);
});

test('faults.add: the fault answers, as many times as asked; faults.clear ends the others', async () => {
  const sb = fresh('faults');
  const fault = await sb.faults.add({
    match: { operation: 'generateCustomerToken' },
    kind: 'graphql_error',
    message: 'Temporarily unavailable',
    category: 'graphql-authentication',
    times: 1,
  });
  assert.deepEqual([fault.id, fault.remaining, fault.hits, fault.source], [1, 1, 0, 'api']);
  const faulted = await gql(sb.graphqlUrl, SIGN_IN, { e: RONI, p: RONI_PASSWORD });
  assert.equal(faulted.status, 401);
  assert.equal(faulted.body.errors[0].message, 'Temporarily unavailable');
  await signIn(sb, RONI, RONI_PASSWORD); // times: 1
  await sb.faults.add({ match: { operation: 'generateCustomerToken' }, kind: 'http_error', status: 503 });
  assert.equal((await gql(sb.graphqlUrl, SIGN_IN, { e: RONI, p: RONI_PASSWORD })).status, 503);
  assert.deepEqual((await sb.faults.list()).map((f) => [f.id, f.hits]), [[1, 1], [2, 1]]);
  await sb.faults.clear();
  assert.deepEqual(await sb.faults.list(), []);
  await signIn(sb, RONI, RONI_PASSWORD);
  const journal = await sb.journal.list();
  assert.deepEqual(
    journal.filter((r) => r.operation === 'generateCustomerToken').map((r) => r.status),
    [401, 200, 503, 200],
  );
  await rejectsWith(sb.faults.add({ match: { operation: 'x' }, kind: 'slow' }), /^POST .+\/__mock\/faults answered 400: Invalid fault/);
});

test('loginCode: the fixtures\' admin token issues a code that signs in once, and not after its 30 s', async () => {
  const sb = fresh('otc');
  await sb.clock.freeze();
  const code = await sb.loginCode(ASSISTED_ID);
  assert.match(code, /^[0-9a-f]{32}$/);
  const token = await signIn(sb, ASSISTED, code);
  assert.equal(JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).admin_id, 1, 'an admin-assisted session');
  assert.equal(await signInRefused(sb, ASSISTED, code), GENERIC, 'one-time');

  const late = await sb.loginCode(ASSISTED_ID, { reason: 'support ticket 42' });
  await sb.clock.advance(31);
  assert.equal(await signInRefused(sb, ASSISTED, late), GENERIC);

  await rejectsWith(sb.loginCode(1), /^POST .+\/rest\/V1\/customer\/1\/otp answered 400: Login as Customer assistance is disabled for this Customer\.$/);
  const viewer = mock.sandbox(sb.name, { adminToken: 'mock-viewer-token' });
  await rejectsWith(viewer.loginCode(ASSISTED_ID), /answered 401: The consumer isn't authorized to access %resources\./);
});

test('reset(): the sandbox is back to its fixtures (customers, settings, faults, journal); its clock stays', async () => {
  const sb = fresh('reset');
  await sb.customers.add({ email: 'gone@example.com', firstname: 'Gone', lastname: 'Soon', password: 'Gone-Soon-2024' });
  await sb.settings.patch({ otc_ttl_seconds: 5 });
  await sb.faults.add({ match: { operation: 'customer' }, kind: 'drop' });
  await sb.clock.set(2_000_000_000);
  await sb.reset();
  assert.equal(await signInRefused(sb, 'gone@example.com', 'Gone-Soon-2024'), GENERIC);
  assert.equal((await sb.settings.get()).otc_ttl_seconds, 30);
  assert.deepEqual(await sb.faults.list(), []);
  assert.deepEqual(
    (await sb.journal.list()).map((r) => r.operation),
    ['generateCustomerToken'],
    'the journal starts again at the reset',
  );
  // The clock is not state of the fixtures: a test that moved it moves it back.
  assert.equal(Math.floor((await sb.clock.now()) / 1000), 2_000_000);
  assert.equal((await sb.clock.real()).virtual, false);
});

test('two sandboxes with the same accounts do not see each other (customers, lockout, outbox, clock, faults, tokens)', async () => {
  const a = fresh('iso-a');
  const b = fresh('iso-b');
  const shared = { email: 'same@example.com', firstname: 'Same', lastname: 'Person' };
  await a.customers.add({ ...shared, password: 'Password-In-A-1' });
  await b.customers.add({ ...shared, password: 'Password-In-B-1' });
  await signIn(a, shared.email, 'Password-In-A-1');
  assert.equal(await signInRefused(a, shared.email, 'Password-In-B-1'), GENERIC);
  const tokenB = await signIn(b, shared.email, 'Password-In-B-1');

  // Ten failures with case variants (each its own throttle key) lock roni in a only.
  for (let i = 0; i < 10; i++) {
    const variant = RONI.split('').map((c, j) => ((i >> j) & 1 ? c.toUpperCase() : c)).join('');
    assert.equal(await signInRefused(a, variant, 'wrong-password'), GENERIC);
  }
  assert.equal(await signInRefused(a, RONI, RONI_PASSWORD), GENERIC, 'locked in a');
  assert.ok((await a.customers.list()).find((c) => c.email === RONI).locked_until > 0);
  await signIn(b, RONI, RONI_PASSWORD);

  const REQUEST = 'mutation($e: String!) { requestPasswordResetEmail(email: $e) }';
  await gql(b.graphqlUrl, REQUEST, { e: ASSISTED });
  assert.deepEqual(await a.outbox.all(), []);
  assert.equal((await b.outbox.all(ASSISTED)).length, 1);

  await a.clock.advance(7200);
  assert.ok(Math.abs((await b.clock.now()) - Date.now() / 1000) < 5, 'b keeps the real time');
  await a.faults.add({ match: { operation: 'generateCustomerToken' }, kind: 'http_error', status: 500 });
  await signIn(b, ASSISTED, 'Assisted-2024');

  const foreign = await gql(a.graphqlUrl, WHO_AM_I, {}, tokenB);
  assert.equal(foreign.status, 401, "b's token in a");
  assert.equal(foreign.body.errors[0].message, 'Composite reader could not read a token', 'as a token of another store');
  assert.deepEqual((await gql(b.graphqlUrl, WHO_AM_I, {}, tokenB)).body.data.customer.email, shared.email);
  const home = defaultStore(`http://127.0.0.1:${mock.port}`);
  assert.deepEqual(await home.outbox.all(), [], 'nothing reached the default store');
});

test('end(): the sandbox is gone from the list, and its next use starts a fresh one from the fixtures', async () => {
  const sb = fresh('end');
  const home = mock.defaultStore();
  await sb.customers.add({ email: 'temp@example.com', firstname: 'Temp', lastname: 'Orary', password: 'Temporary-2024' });
  await sb.clock.set(2_000_000_000);
  assert.ok((await home.sandboxes()).some((s) => s.name === sb.name && s.customers === 7));
  assert.equal(await sb.end(), true);
  assert.ok(!(await home.sandboxes()).some((s) => s.name === sb.name));
  assert.equal(await sb.end(), false, 'no sandbox of that name: nothing to end, no error');

  assert.equal(await signInRefused(sb, 'temp@example.com', 'Temporary-2024'), GENERIC);
  assert.ok(Math.abs((await sb.clock.now()) - Date.now() / 1000) < 5);
  assert.equal((await sb.customers.list()).length, 6);
  assert.equal(await sb.end(), true);
});

test('a guarded mock: without the control token the client says what the mock answered; with it, and with learned admin access', async () => {
  const fixtures = path.join(work, 'fixtures.json');
  // Other static tokens than the defaults': loginCode must learn the one with the login
  // permission from GET /__mock/access, not assume mock-admin-token.
  fs.writeFileSync(
    fixtures,
    JSON.stringify({
      admin_tokens: { 'a-viewer-token': 'viewer', 'team-support-token': 'support' },
    }),
  );
  const guarded = await start({ binary: BINARY, host: '127.0.0.1', controlToken: 'sesame', fixtures });
  try {
    const base = `http://127.0.0.1:${guarded.port}`;
    await rejectsWith(
      sandbox(base, 'guarded').clock.now(),
      /^GET http:\/\/127\.0\.0\.1:\d+\/guarded\/__mock\/clock answered 401: The control API needs the header Authorization: Bearer <token>/,
    );
    await rejectsWith(sandbox(base, 'guarded').loginCode(ASSISTED_ID), /__mock\/access answered 401/);
    const sb = guarded.sandbox('guarded'); // start() passes its control token on
    const code = await sb.loginCode(ASSISTED_ID);
    await signIn(sb, ASSISTED, code);
    assert.equal(await sandbox(base, 'guarded', { controlToken: 'sesame' }).end(), true);
    assert.deepEqual(await guarded.defaultStore().sandboxes(), []);
  } finally {
    await guarded.stop();
  }
  // And no mock at all.
  await rejectsWith(sandbox(`http://127.0.0.1:${guarded.port}`, 'w', { timeoutMs: 2000 }).reset(), /^POST .+ cannot reach the mock \(.+\)$/);
});
