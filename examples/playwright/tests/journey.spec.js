// One shopper's journey, run by every worker at the same time in its own sandbox, with the same
// e-mail addresses everywhere: sign-up and sign-in, a forgotten password reset through the
// outbox and the reset page in Chromium, an admin one-time code that expires when the clock moves,
// and a lockout. Every step also checks that nothing of another worker shows through; with all
// workers in one sandbox (ISOLATION_SELF_TEST=1) those checks fail.
import { test, expect } from './fixtures.js';

const GENERIC =
  'The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.';
// The same addresses in every worker.
const SHOPPER = 'shopper@example.com';
const PASSWORD = 'Shopper-Pass-2024';
const NEW_PASSWORD = 'Shopper-New-2025';
const ASSISTED = { id: 2, email: 'assisted@example.com' }; // fixture account that allows remote assistance
const RONI = { email: 'roni_cost@example.com', password: 'Roni-Cost-2024' };

const SIGN_UP =
  'mutation($e: String!, $f: String!, $p: String!) { createCustomerV2(input: {email: $e, firstname: $f, lastname: "Parallel", password: $p}) { customer { email firstname } } }';
const SIGN_IN = 'mutation($e: String!, $p: String!) { generateCustomerToken(email: $e, password: $p) { token } }';
const WHO_AM_I = '{ customer { email firstname } }';
const FORGOT = 'mutation($e: String!) { requestPasswordResetEmail(email: $e) }';

/** Ten spellings of one address (Magento finds the account ignoring case; the throttle does not). */
function caseVariants(email, n) {
  return Array.from({ length: n }, (_, i) =>
    [...email].map((c, j) => ((i >> j) & 1 ? c.toUpperCase() : c)).join(''),
  );
}

test('a shopper signs up, resets a forgotten password, is helped by an admin code, and locks the account out', async ({
  page,
  store,
  gql,
}, testInfo) => {
  const me = `Worker${testInfo.workerIndex}`;
  const signIn = async (email, password) => {
    const r = await gql(SIGN_IN, { e: email, p: password });
    expect(r.body.errors, `sign-in of ${email}`).toBeUndefined();
    return r.body.data.generateCustomerToken.token;
  };
  const refused = async (email, password) => {
    const r = await gql(SIGN_IN, { e: email, p: password });
    expect(r.status).toBe(401);
    return r.body.errors[0].message;
  };
  const loginCode = async (id) => {
    const code = await store.loginCode(id);
    gql.sent.push(`POST /rest/V1/customer/${id}/otp`);
    return code;
  };

  await test.step('sign up with the shared address, then sign in as this worker\'s own customer', async () => {
    const created = await gql(SIGN_UP, { e: SHOPPER, f: me, p: PASSWORD });
    // In a shared store every worker but the first gets "A customer with the same email address already exists".
    expect(created.body).toEqual({ data: { createCustomerV2: { customer: { email: SHOPPER, firstname: me } } } });
    const token = await signIn(SHOPPER, PASSWORD);
    const who = await gql(WHO_AM_I, {}, token);
    expect(who.body.data.customer).toEqual({ email: SHOPPER, firstname: me });
  });

  await test.step('forgot password: the reset email in the outbox, the reset page in the browser, the new password', async () => {
    expect((await gql(FORGOT, { e: SHOPPER })).body).toEqual({ data: { requestPasswordResetEmail: true } });
    const email = await store.outbox.latest(SHOPPER, { kind: 'reset_password' });
    expect(email.link).toBe(`${store.baseUrl}/customer/account/createPassword/?token=${email.token}`);
    // This sandbox's outbox holds this worker's one email and nothing else.
    expect((await store.outbox.all()).map((e) => [e.to, e.token])).toEqual([[SHOPPER, email.token]]);

    await page.goto(email.link);
    await expect(page.locator('body')).toHaveAttribute('data-ready', /.+/);
    await expect(page).toHaveTitle('Set a New Password');
    await expect(page.locator('#customer-email')).toHaveText(SHOPPER);
    await page.fill('#password', NEW_PASSWORD);
    await page.fill('#password-confirmation', NEW_PASSWORD);
    await page.click('#submit');
    await expect(page.locator('#message')).toHaveText('You updated your password.');
    gql.sent.push('resetPassword'); // sent by the page, to <sandbox>/graphql (a relative URL)

    const token = await signIn(SHOPPER, NEW_PASSWORD);
    expect((await gql(WHO_AM_I, {}, token)).body.data.customer.firstname).toBe(me);
    expect(await refused(SHOPPER, PASSWORD)).toBe(GENERIC);
  });

  await test.step('an admin one-time code signs in, and one is refused once the clock has moved past its 30 s', async () => {
    const { now: t0 } = await store.clock.freeze();
    const code = await loginCode(ASSISTED.id);
    expect(code).toMatch(/^[0-9a-f]{32}$/);
    await signIn(ASSISTED.email, code);

    const late = await loginCode(ASSISTED.id);
    // Only this worker moves this clock: exactly 31 s later (a shared clock would be further on).
    expect((await store.clock.advance(31)).now).toBe(t0 + 31);
    expect(await refused(ASSISTED.email, late)).toBe(GENERIC);
    // Codes work at the new time: the refusal was the expiry.
    await signIn(ASSISTED.email, await loginCode(ASSISTED.id));
    await store.clock.real();
  });

  await test.step('ten wrong passwords, with case variants of the address, lock the account: the right one is refused', async () => {
    const failures = async () => (await store.customers.list()).find((c) => c.email === RONI.email);
    await signIn(RONI.email, RONI.password);
    expect(await failures()).toMatchObject({ failures: 0, locked_until: null });
    const variants = caseVariants(RONI.email, 10);
    for (const variant of variants.slice(0, 9)) expect(await refused(variant, 'not-the-password')).toBe(GENERIC);
    // Nine of this worker's failures and no one else's: not locked yet.
    expect(await failures()).toMatchObject({ failures: 9, locked_until: null });
    expect(await refused(variants[9], 'not-the-password')).toBe(GENERIC);
    const locked = await failures();
    expect(locked.locked_until).toBeGreaterThan(await store.clock.now());
    expect(await refused(RONI.email, RONI.password)).toBe(GENERIC);
  });

  await test.step('the sandbox served this worker\'s requests and no one else\'s', async () => {
    // The journal shows paths as requested, under the sandbox's prefix.
    const prefix = new URL(store.baseUrl).pathname;
    const served = (await store.journal.list())
      .filter((r) => r.path === `${prefix}/graphql` || r.path.startsWith(`${prefix}/rest/`))
      .map((r) => r.operation ?? `${r.method} ${r.path.slice(prefix.length)}`);
    expect(served).toEqual(gql.sent);
    expect((await store.customers.list()).filter((c) => c.email === SHOPPER).map((c) => c.firstname)).toEqual([me]);
  });
});
