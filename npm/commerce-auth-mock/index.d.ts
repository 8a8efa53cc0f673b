import type { ChildProcess } from 'node:child_process';

/** Where a started mock answers: the JSON that `serve --ready-file` writes. */
export interface ServedUrls {
  /** e.g. `http://127.0.0.1:41234/graphql` */
  graphql: string;
  /** Base of the admin REST API, e.g. `http://127.0.0.1:41234/rest` */
  rest: string;
  /** The control API (`/__mock`), or null with `--no-control`. */
  control: string | null;
  /** The web console (`/__mock/ui`), or null with `--no-control`. */
  console: string | null;
  port: number;
}

export interface StartOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  profile?: 'saas' | 'paas-2.4.8' | 'paas-2.4.7';
  /** A fixtures file to serve instead of the embedded defaults. */
  fixtures?: string;
  /** Require `Authorization: Bearer <token>` on the control API. */
  controlToken?: string;
  /** More `serve` arguments, e.g. `['--cors-origin', 'http://localhost:5173']`. */
  args?: string[];
  /** Environment variables added to this process's for the mock (e.g. `RUST_LOG`). */
  env?: Record<string, string | undefined>;
  /** The binary to run (default: {@link binaryPath}). */
  binary?: string;
  /** How long to wait for the mock to listen (default 15000 ms). */
  timeoutMs?: number;
  /** The mock's log lines: discarded (default) or shown on this process's stdout/stderr. */
  stdio?: 'ignore' | 'inherit';
}

export interface RunningMock extends ServedUrls {
  /** The `commerce-auth-mock serve` process. */
  readonly process: ChildProcess;
  /** Stops the mock (SIGTERM: in-flight requests finish) and resolves once it has exited. */
  stop(): Promise<void>;
  /** {@link sandbox} of this mock, with its `controlToken` unless the options give another. */
  sandbox(name: string, options?: ClientOptions): Sandbox;
  /** {@link defaultStore} of this mock, with its `controlToken` unless the options give another. */
  defaultStore(options?: ClientOptions): DefaultStore;
}

// ---- the control client ----------------------------------------------------------------------

export interface ClientOptions {
  /** The mock's `serve --control-token`: sent as `Authorization: Bearer …` on the control API. */
  controlToken?: string;
  /**
   * The admin token {@link Store.loginCode} sends. Default: the first static token of the
   * fixtures with `Magento_LoginAsCustomer::login` (from `GET /__mock/access`).
   */
  adminToken?: string;
  /** How long one request may take before it fails (default 10000 ms). */
  timeoutMs?: number;
}

/** The store's virtual clock: `GET /__mock/clock` and every clock action answer this. */
export interface ClockState {
  /** Unix seconds on this store's clock. */
  now: number;
  /** Whether the clock is the store's own (moved by the control API) rather than the system's. */
  virtual: boolean;
  frozen: boolean;
}

export type EmailKind = 'reset_password' | 'confirmation';

/** An email in the store's outbox. */
export interface Email {
  id: number;
  to: string;
  kind: EmailKind;
  subject: string;
  body: string;
  /** The link of the email: the reset page (`…/customer/account/createPassword/?token=…`) or the confirmation page. */
  link: string;
  /** The reset-password token, or the confirmation key, that the link carries. */
  token: string;
  /** Unix seconds on the store's clock. */
  sent_at: number;
}

/** A customer as a fixture file writes one (`POST /__mock/customers`); see docs/fixtures.md. */
export interface CustomerInput {
  /** Absent: the next id after the highest. */
  id?: number;
  email: string;
  firstname: string;
  lastname: string;
  /** null or absent: no password (sign-in by reset token or admin one-time code only). */
  password?: string | null;
  prefix?: string | null;
  middlename?: string | null;
  suffix?: string | null;
  /** `YYYY-MM-DD` */
  date_of_birth?: string | null;
  /** 1, 2 or 3 */
  gender?: number | null;
  taxvat?: string | null;
  is_subscribed?: boolean;
  allow_remote_shopping_assistance?: boolean;
  /** Default true. */
  confirmed?: boolean;
  confirmation_key?: string | null;
  created_at?: string;
  group_id?: number;
  /** Failed credential checks so far (the lockout counter). */
  failures?: number;
  /** Unix seconds. */
  locked_until?: number | null;
  note?: string | null;
  $comment?: string;
}

/** The fields {@link Customers.update} changes (the id cannot change). */
export type CustomerPatch = Partial<Omit<CustomerInput, 'id'>>;

/** A customer as the control API shows one. */
export interface Customer {
  id: number;
  email: string;
  firstname: string;
  lastname: string;
  confirmed: boolean;
  /** Unix seconds, or null when not locked. */
  locked_until: number | null;
  failures: number;
  allow_remote_shopping_assistance: boolean;
  has_password: boolean;
  /** When the customer's live admin one-time code expires (unix seconds), or null. */
  otc_expires_at: number | null;
}

/** A store's settings (`GET /__mock/settings`); docs/fixtures.md names each one's Magento config path. */
export interface Settings {
  customer_token_lifetime_minutes: number;
  admin_token_lifetime_hours: number;
  otc_ttl_seconds: number;
  reset_token_ttl_seconds: number;
  throttle_max_failures: number;
  throttle_window_seconds: number;
  lockout_failures: number;
  lockout_minutes: number;
  password_min_length: number;
  password_required_classes: number;
  confirmation_required: boolean;
  login_as_customer_enabled: boolean;
  recaptcha_customer_login: boolean;
  recaptcha_customer_create: boolean;
  recaptcha_customer_forgot_password: boolean;
  recaptcha_customer_edit: boolean;
  recaptcha_resend_confirmation_email: boolean;
  recaptcha_website_key: string;
  recaptcha_test_token: string;
  token_signing_secret: string;
  base_url: string;
}

/** A fault to add (docs/faults.md). */
export type FaultInput = {
  match: { operation: string } | { route: string };
  /** Fault the next N matching calls, then stop. */
  times?: number;
  /** Fault each matching call with this probability, drawn from a seeded RNG. */
  fraction?: number;
  seed?: number;
  latency_ms?: number;
  $comment?: string;
} & (
  | { kind: 'latency'; latency_ms: number }
  | { kind: 'http_error'; status: number; body?: unknown }
  | { kind: 'graphql_error'; message: string; category?: string }
  | { kind: 'drop' }
);

/** A fault in force: as given, plus its id and counts. */
export type Fault = FaultInput & {
  id: number;
  /** `times` left, or null without `times`. */
  remaining: number | null;
  /** Calls faulted so far. */
  hits: number;
  source: 'fixtures' | 'api';
};

/** A request in the store's journal. */
export interface JournalEntry {
  /** Unix seconds on the store's clock when the request arrived. */
  at: number;
  method: string;
  /** The path as requested: under the sandbox's prefix (`/worker-0/graphql`) for a sandbox. */
  path: string;
  /** GraphQL: the first root field; REST and unreadable documents: null. */
  operation: string | null;
  /** 0: the connection was dropped by a fault. */
  status: number;
  duration_ms: number;
  /** The injected fault that shaped the answer, if any. */
  fault?: Record<string, unknown>;
}

export interface Clock {
  /** The clock's state. */
  get(): Promise<ClockState>;
  /** Unix seconds on the store's clock. */
  now(): Promise<number>;
  /** Stops the clock where it is. */
  freeze(): Promise<ClockState>;
  /** Moves the clock forward (or back, negative) by whole seconds. */
  advance(seconds: number): Promise<ClockState>;
  /** Sets the clock to a unix second; it runs on from there unless frozen. */
  set(unixSeconds: number): Promise<ClockState>;
  /** Lets a frozen virtual clock run on from where it stands. */
  resume(): Promise<ClockState>;
  /** Back to the system clock. */
  real(): Promise<ClockState>;
}

export interface Outbox {
  /** Every email in the store's outbox, oldest first; only those to `email` when given. */
  all(email?: string): Promise<Email[]>;
  /** The newest email to `email` (of `kind` when given); throws a {@link MockError} when there is none. */
  latest(email: string, filter?: { kind?: EmailKind }): Promise<Email>;
  /** Empties the outbox. */
  clear(): Promise<void>;
}

export interface Customers {
  list(): Promise<Customer[]>;
  /** Adds a customer (checked as a fixture file's are) and resolves with it as the mock stores it. */
  add(customer: CustomerInput): Promise<Customer>;
  /** Changes the fields given. */
  update(id: number, fields: CustomerPatch): Promise<Customer>;
  /** Deletes the customer and its tokens. */
  remove(id: number): Promise<void>;
}

/** The control client of one store: a sandbox, or the default store (the un-prefixed routes). */
export interface Store {
  /** The sandbox's name; null for the default store. */
  readonly name: string | null;
  /** Where the store's routes are: `http://127.0.0.1:4000/<name>` (a sandbox) or the mock's address. */
  readonly baseUrl: string;
  /** `<baseUrl>/graphql` */
  readonly graphqlUrl: string;
  /** `<baseUrl>/rest`: admin REST is `<restUrl>/V1/…`. */
  readonly restUrl: string;
  /** `<baseUrl>/__mock`: this store's control API. */
  readonly controlUrl: string;
  /**
   * Back to the fixtures: customers, tokens, throttles, lockouts, one-time codes, reset tokens,
   * outbox, faults and settings; the journal is emptied. The clock stays as it is ({@link Clock.real}).
   */
  reset(): Promise<void>;
  readonly clock: Clock;
  readonly outbox: Outbox;
  readonly customers: Customers;
  readonly settings: {
    get(): Promise<Settings>;
    /** Changes the settings given and resolves with all of them. */
    patch(fields: Partial<Settings>): Promise<Settings>;
  };
  readonly faults: {
    list(): Promise<Fault[]>;
    /** Adds a fault and resolves with it, id included. */
    add(fault: FaultInput): Promise<Fault>;
    /** Removes every fault. */
    clear(): Promise<void>;
  };
  readonly journal: {
    /** The latest requests (at most `limit`). */
    list(limit?: number): Promise<JournalEntry[]>;
    clear(): Promise<void>;
  };
  /** `GET /__mock/health`: profile, version, clock, capabilities. */
  health(): Promise<Record<string, unknown>>;
  /**
   * An admin one-time code for the customer (`POST <restUrl>/V1/customer/{id}/otp`, saas profile):
   * 32 hex characters that sign in once as the customer, for `otc_ttl_seconds` (30 by default).
   */
  loginCode(customerId: number, options?: { reason?: string }): Promise<string>;
}

/** A sandbox: a store of its own under `/<name>/…`, created from the fixtures on first use. */
export interface Sandbox extends Store {
  readonly name: string;
  /** Ends the sandbox: resolves true when there was one; the next request under its prefix starts a fresh one. */
  end(): Promise<boolean>;
}

/** One sandbox as `GET /__mock/sandboxes` lists it. */
export interface SandboxInfo {
  name: string;
  created_at: number;
  last_used_at: number;
  customers: number;
  emails: number;
  journal: number;
}

/** The default store: the un-prefixed routes. */
export interface DefaultStore extends Store {
  readonly name: null;
  /** The sandboxes the mock holds now. */
  sandboxes(): Promise<SandboxInfo[]>;
}

/** What the mock answered when it was not what a client method needs (or that it did not answer). */
export class MockError extends Error {
  readonly method: string;
  readonly url: string;
  /** The HTTP status; undefined when the mock could not be reached. */
  readonly status: number | undefined;
  /** The parsed JSON body (or its text); undefined when the mock could not be reached. */
  readonly body: unknown;
}

/**
 * The control client of the sandbox `name` (1 to 63 of `[A-Za-z0-9_-]`, starting with a letter
 * or digit) of the mock at `baseUrl` (`http://127.0.0.1:4000`; a URL ending in `/graphql` is
 * taken as the mock's address too). Throws a TypeError for a name the mock would not take.
 */
export function sandbox(baseUrl: string, name: string, options?: ClientOptions): Sandbox;

/** The control client of the default store (the un-prefixed routes) of the mock at `baseUrl`. */
export function defaultStore(baseUrl: string, options?: ClientOptions): DefaultStore;

/** The path of the native binary for this machine; throws, saying what to do, when there is none. */
export function binaryPath(): string;

/** Starts a mock and resolves once it is listening. */
export function start(options?: StartOptions): Promise<RunningMock>;
