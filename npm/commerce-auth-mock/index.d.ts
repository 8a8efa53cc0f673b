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
}

/** The path of the native binary for this machine; throws, saying what to do, when there is none. */
export function binaryPath(): string;

/** Starts a mock and resolves once it is listening. */
export function start(options?: StartOptions): Promise<RunningMock>;
