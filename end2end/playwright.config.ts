import { defineConfig, devices } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The server under test is the already built debug binary (scripts/e2e.sh and
// `make test` pass LOSSLESS_BIN explicitly, since CARGO_TARGET_DIR may point
// outside the repo). It runs on its own port with a fresh SQLite database in a
// temp dir, demo data and a known admin.
const PORT = Number(process.env.LOSSLESS_E2E_PORT ?? 3311);
const BASE_URL = `http://127.0.0.1:${PORT}`;
const BIN = path.resolve(__dirname, process.env.LOSSLESS_BIN ?? '../target/debug/lossless');
const SITE_ROOT = path.resolve(__dirname, process.env.LOSSLESS_SITE_ROOT ?? '../target/site');

// The config is evaluated in the runner and again in each worker; workers
// inherit the runner's environment, so the temp dir is created only once.
if (!process.env.LOSSLESS_E2E_TMP) {
  process.env.LOSSLESS_E2E_TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'lossless-e2e-'));
}
const TMP = process.env.LOSSLESS_E2E_TMP;

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'admin-password-e2e';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: 'list',
  use: {
    baseURL: BASE_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
  webServer: {
    command: JSON.stringify(BIN),
    cwd: TMP,
    url: `${BASE_URL}/healthz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      LOSSLESS_ADDR: `127.0.0.1:${PORT}`,
      LOSSLESS_DATABASE_URL: `sqlite://${TMP}/e2e.db?mode=rwc`,
      LOSSLESS_SITE_ROOT: SITE_ROOT,
      LOSSLESS_DEMO: '1',
      LOSSLESS_ADMIN_EMAIL: ADMIN_EMAIL,
      LOSSLESS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    },
  },
});
