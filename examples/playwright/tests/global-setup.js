// Runs once, in Playwright's main process, after the webServer is up and before any worker starts
// (so what it puts in process.env reaches every worker): a folder for the workers' start barrier
// (tests/fixtures.js), removed again when the run ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export default async function globalSetup() {
  if (!process.env.MOCK_BASE_URL) {
    throw new Error('MOCK_BASE_URL is not set: the webServer did not print the line playwright.config.js waits for');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'playwright-example-barrier-'));
  process.env.WORKER_BARRIER_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
