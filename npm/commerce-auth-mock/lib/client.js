'use strict';
// The control client: a sandbox's (or the default store's) control API and admin one-time codes,
// as promise-returning methods for test code. Talks HTTP with the global fetch only, so the
// package keeps no runtime dependencies.

const TENANT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
// First path segments of the mock's own routes: a tenant of that name would be that route.
const ROUTE_ROOTS = ['graphql', 'rest', 'V1', '__mock', 'customer'];
const LOGIN_PERMISSION = 'Magento_LoginAsCustomer::login';
const DEFAULT_TIMEOUT_MS = 10000;
const BODY_IN_MESSAGE = 500;

/** What the mock answered when it was not what the method needs. */
class MockError extends Error {
  constructor(message, { method, url, status, body, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'MockError';
    this.method = method;
    this.url = url;
    this.status = status;
    this.body = body;
  }
}

/** `http://127.0.0.1:4000` from that, with a trailing slash, or with `/graphql` (start()'s `graphql`). */
function mockOrigin(baseUrl) {
  if (typeof baseUrl !== 'string' || baseUrl === '') {
    throw new TypeError(`the mock's address must be a URL such as http://127.0.0.1:4000, not ${JSON.stringify(baseUrl)}`);
  }
  let url;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`the mock's address must be a URL such as http://127.0.0.1:4000, not ${JSON.stringify(baseUrl)}`);
  }
  if (url.search || url.hash) {
    throw new TypeError(`the mock's address takes no query or fragment: ${baseUrl}`);
  }
  // A path is kept (a mock behind a proxy at /mock), less the slash and a /graphql at the end.
  return url.href.replace(/\/+$/, '').replace(/\/graphql$/, '');
}

function checkName(name) {
  if (typeof name !== 'string' || !TENANT.test(name) || ROUTE_ROOTS.includes(name)) {
    throw new TypeError(
      `${JSON.stringify(name)} is not a sandbox name: 1 to 63 letters, digits, - and _, starting with a letter ` +
        `or digit, and none of ${ROUTE_ROOTS.join(', ')}`,
    );
  }
}

/** The answer's message for an error: the JSON `message` when there is one, else the body. */
function describe(text) {
  try {
    const json = JSON.parse(text);
    if (json && typeof json.message === 'string') return json.message;
    if (json && Array.isArray(json.errors) && json.errors[0] && typeof json.errors[0].message === 'string') {
      return json.errors[0].message;
    }
  } catch {
    // Not JSON: the text itself.
  }
  const trimmed = text.trim();
  if (trimmed === '') return '(empty body)';
  return trimmed.length > BODY_IN_MESSAGE ? `${trimmed.slice(0, BODY_IN_MESSAGE)}…` : trimmed;
}

/**
 * One request; resolves with the parsed JSON of a 2xx answer and throws a MockError, saying what
 * the mock answered, otherwise. `expect` lists further statuses to resolve with, as `{status, body}`.
 */
async function call(method, url, { headers = {}, body, timeoutMs, expect = [] } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  // Every state change carries JSON: the control API refuses anything else with 415 (so that no
  // web page can drive it), `{}` when there is nothing to say.
  if (method !== 'GET') {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
  }
  init.signal = AbortSignal.timeout(timeoutMs);
  let response;
  let text;
  try {
    response = await fetch(url, init);
    text = await response.text();
  } catch (e) {
    const why = e && e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e && e.cause && e.cause.message) || String(e);
    throw new MockError(`${method} ${url}: cannot reach the mock (${why})`, { method, url, cause: e });
  }
  const parse = () => {
    try {
      return text === '' ? null : JSON.parse(text);
    } catch {
      return text;
    }
  };
  if (expect.includes(response.status)) return { status: response.status, body: parse() };
  if (!response.ok) {
    throw new MockError(`${method} ${url} answered ${response.status}: ${describe(text)}`, {
      method,
      url,
      status: response.status,
      body: parse(),
    });
  }
  const json = parse();
  if (typeof json === 'string') {
    throw new MockError(`${method} ${url} answered ${response.status} with a body that is not JSON: ${describe(text)}`, {
      method,
      url,
      status: response.status,
      body: json,
    });
  }
  return json;
}

function newest(emails) {
  // Ids grow with every email a store sends; the outbox lists them oldest first anyway.
  return emails.reduce((a, b) => (b.id > a.id ? b : a));
}

/** The client of the store served at `base` (`origin` or `origin/<tenant>`). */
function storeClient(origin, name, options = {}) {
  const base = name === null ? origin : `${origin}/${name}`;
  const controlUrl = `${base}/__mock`;
  const restUrl = `${base}/rest`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controlHeaders = options.controlToken ? { Authorization: `Bearer ${options.controlToken}` } : {};
  const control = (method, route, body, extra = {}) =>
    call(method, `${controlUrl}${route}`, { headers: controlHeaders, body, timeoutMs, ...extra });
  let adminToken = options.adminToken ? Promise.resolve(options.adminToken) : null;

  const learnAdminToken = async () => {
    const access = await control('GET', '/access');
    const found = (access.admin_tokens || []).find((t) => (t.permissions || []).includes(LOGIN_PERMISSION));
    if (!found) {
      throw new MockError(
        `the fixtures of ${base} have no static admin token with ${LOGIN_PERMISSION} (GET ${controlUrl}/access); ` +
          'add one to their admin_tokens, or pass options.adminToken',
        { method: 'GET', url: `${controlUrl}/access` },
      );
    }
    return found.token;
  };

  const outbox = {
    async all(email) {
      const query = email === undefined ? '' : `?to=${encodeURIComponent(email)}`;
      return (await control('GET', `/outbox${query}`)).emails;
    },
    async latest(email, { kind } = {}) {
      if (typeof email !== 'string' || email === '') throw new TypeError('outbox.latest(email) needs the address');
      const all = await outbox.all(email);
      const emails = all.filter((e) => kind === undefined || e.kind === kind);
      if (emails.length === 0) {
        // The mock puts an email in the outbox before the mutation that sends it answers, so
        // there is nothing to wait for: none now means none was sent.
        const others = all.length ? ` (${all.length} of another kind)` : '';
        throw new MockError(`no ${kind ? `${kind} ` : ''}email to ${email} in the outbox of ${base}${others}`, {
          method: 'GET',
          url: `${controlUrl}/outbox?to=${encodeURIComponent(email)}`,
        });
      }
      return newest(emails);
    },
    async clear() {
      await control('DELETE', '/outbox');
    },
  };

  const clock = {
    get: () => control('GET', '/clock'),
    async now() {
      return (await control('GET', '/clock')).now;
    },
    freeze: () => control('POST', '/clock', { action: 'freeze' }),
    async advance(seconds) {
      if (!Number.isInteger(seconds)) throw new TypeError(`clock.advance(seconds) needs an integer, not ${seconds}`);
      return control('POST', '/clock', { action: 'advance', seconds });
    },
    async set(unixSeconds) {
      if (!Number.isInteger(unixSeconds)) throw new TypeError(`clock.set(unixSeconds) needs an integer, not ${unixSeconds}`);
      return control('POST', '/clock', { action: 'set', now: unixSeconds });
    },
    resume: () => control('POST', '/clock', { action: 'resume' }),
    real: () => control('POST', '/clock', { action: 'real' }),
  };

  const id = (customerId) => encodeURIComponent(String(customerId));
  const customers = {
    async list() {
      return (await control('GET', '/customers')).customers;
    },
    async add(customer) {
      return (await control('POST', '/customers', customer)).customer;
    },
    async update(customerId, fields) {
      return (await control('PATCH', `/customers/${id(customerId)}`, fields)).customer;
    },
    async remove(customerId) {
      await control('DELETE', `/customers/${id(customerId)}`);
    },
  };

  const settings = {
    async get() {
      return (await control('GET', '/settings')).settings;
    },
    async patch(fields) {
      return (await control('PATCH', '/settings', fields)).settings;
    },
  };

  const faults = {
    async list() {
      return (await control('GET', '/faults')).faults;
    },
    add: (fault) => control('POST', '/faults', fault),
    async clear() {
      await control('DELETE', '/faults');
    },
  };

  const client = {
    name,
    baseUrl: base,
    graphqlUrl: `${base}/graphql`,
    restUrl,
    controlUrl,
    async reset() {
      await control('POST', '/reset');
    },
    clock,
    outbox,
    customers,
    settings,
    faults,
    journal: {
      async list(limit) {
        const query = limit === undefined ? '' : `?limit=${encodeURIComponent(String(limit))}`;
        return (await control('GET', `/journal${query}`)).requests;
      },
      async clear() {
        await control('DELETE', '/journal');
      },
    },
    health: () => control('GET', '/health'),
    async loginCode(customerId, { reason } = {}) {
      adminToken ??= learnAdminToken();
      let token;
      try {
        token = await adminToken;
      } catch (e) {
        adminToken = null; // a mock that was not up yet may answer next time
        throw e;
      }
      const answer = await call('POST', `${restUrl}/V1/customer/${id(customerId)}/otp`, {
        headers: { Authorization: `Bearer ${token}` },
        body: reason === undefined ? {} : { reason },
        timeoutMs,
      });
      return answer.otp;
    },
  };
  return client;
}

/** The sandbox `name` of the mock at `baseUrl`: its own store, created from the fixtures on first use. */
function sandbox(baseUrl, name, options = {}) {
  const origin = mockOrigin(baseUrl);
  checkName(name);
  const client = storeClient(origin, name, options);
  const headers = options.controlToken ? { Authorization: `Bearer ${options.controlToken}` } : {};
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  /** Ends the sandbox: true when there was one (a request under its prefix starts a fresh one). */
  client.end = async () => {
    const url = `${origin}/__mock/sandboxes/${name}`;
    const { status, body } = await call('DELETE', url, { headers, timeoutMs, expect: [200, 404] });
    if (status === 200) return true;
    // Not yet used (or already ended) is no error; any other 404 (a mock without sandboxes, or
    // served with --no-control) is.
    if (body && typeof body.message === 'string' && body.message.startsWith('No sandbox named')) return false;
    throw new MockError(`DELETE ${url} answered 404: ${describe(typeof body === 'string' ? body : JSON.stringify(body))}`, {
      method: 'DELETE',
      url,
      status,
      body,
    });
  };
  return client;
}

/** The default store of the mock at `baseUrl`: the un-prefixed routes. */
function defaultStore(baseUrl, options = {}) {
  const origin = mockOrigin(baseUrl);
  const client = storeClient(origin, null, options);
  const headers = options.controlToken ? { Authorization: `Bearer ${options.controlToken}` } : {};
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  client.sandboxes = async () => (await call('GET', `${origin}/__mock/sandboxes`, { headers, timeoutMs })).sandboxes;
  return client;
}

module.exports = { sandbox, defaultStore, MockError, mockOrigin };
