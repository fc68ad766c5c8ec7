import { test, expect } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ARTIFACTS = path.resolve(__dirname, '../artifacts');

test('healthz answers ok', async ({ request }) => {
  const res = await request.get('/healthz');
  expect(res.status()).toBe(200);
  expect((await res.text()).trim()).toBe('ok');
});

test('request page has a form with an email field', async ({ page }) => {
  const res = await page.goto('/request');
  expect(res?.status()).toBe(200);
  const email = page.locator('form [name="email"]').first();
  await expect(email).toBeVisible();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'smoke-request.png'), fullPage: true });
});
