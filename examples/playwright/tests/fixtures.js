// The fixtures every test uses: `store`, this worker's sandbox of the mock, and `gql`, GraphQL
// through Playwright's APIRequestContext that remembers what it sent (for the journal check).
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test as base, expect } from '@playwright/test';
import { defaultStore, sandbox } from 'commerce-auth-mock';

/** The one sandbox every worker shares under ISOLATION_SELF_TEST=1 (which must then fail). */
const SHARED = 'shared-by-all-workers';
const BARRIER_MS = 20_000;

/**
 * Waits until `parties` workers have arrived (a file each in WORKER_BARRIER_DIR), so the
 * journeys run at the same time and cross-talk between sandboxes would show; fails with a
 * message, not a hang, when they do not all come.
 */
async function barrier(workerIndex, parties) {
  const dir = process.env.WORKER_BARRIER_DIR;
  writeFileSync(path.join(dir, `worker-${workerIndex}`), '');
  const deadline = Date.now() + BARRIER_MS;
  for (;;) {
    const arrived = existsSync(dir) ? readdirSync(dir).length : 0;
    if (arrived >= parties) return;
    if (Date.now() > deadline) {
      throw new Error(`only ${arrived} of ${parties} workers started within ${BARRIER_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const test = base.extend({
  // Worker-scoped: the sandbox lives as long as the worker; `worker-<index>` under the same
  // prefix whatever test the worker runs.
  sandboxName: [
    async ({}, use, workerInfo) => {
      await use(process.env.ISOLATION_SELF_TEST === '1' ? SHARED : `worker-${workerInfo.workerIndex}`);
    },
    { scope: 'worker' },
  ],
  workerStore: [
    async ({ sandboxName }, use, workerInfo) => {
      const store = sandbox(process.env.MOCK_BASE_URL, sandboxName);
      // Every journey waits for the others (as many as there are workers and runs of the test).
      const parties = Math.min(workerInfo.config.workers, workerInfo.project.repeatEach);
      await barrier(workerInfo.workerIndex, parties);
      await use(store);
      // A sandbox that is not ended lives on until the mock's idle limit; end it with the worker.
      await store.end();
    },
    // The barrier's wait is the fixture's, not the first test's.
    { scope: 'worker', timeout: BARRIER_MS + 10_000 },
  ],
  // Test-scoped: a test that lands on a worker after another one still starts from the fixtures.
  store: async ({ workerStore }, use, testInfo) => {
    await workerStore.reset();
    await workerStore.clock.real();
    testInfo.annotations.push({ type: 'sandbox', description: workerStore.baseUrl });
    await use(workerStore);
  },
  gql: async ({ request, store }, use) => {
    const sent = [];
    /** `{status, body}` of a GraphQL request to this worker's sandbox. */
    const gql = async (query, variables = {}, token) => {
      const response = await request.post(store.graphqlUrl, {
        data: { query, variables },
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      });
      sent.push(query.match(/^\s*(?:mutation|query)?[^{]*\{\s*(\w+)/)[1]);
      return { status: response.status(), body: await response.json() };
    };
    gql.sent = sent;
    await use(gql);
  },
});

export { expect, defaultStore };
