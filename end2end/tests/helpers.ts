// What the specs share: the admin account the server is started with (playwright.config.ts),
// the screenshot folder, and signing in through the real form.
import { expect, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'admin-password-e2e';
export const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');

/** Creates the screenshot folder (gitignored). */
export function ensureArtifacts(): void {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
}

/**
 * Signs the admin in. `from` is where to start: `/agent` checks on the way that an
 * unauthenticated visit to the agent area lands on the sign-in page.
 */
export async function signIn(page: Page, from: '/agent' | '/agent/login' = '/agent/login'): Promise<void> {
  await page.goto(from);
  if (from === '/agent') {
    await expect(page).toHaveURL(/\/agent\/login$/);
  }
  await page.getByTestId('login-email').fill(ADMIN_EMAIL);
  await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/agent$/);
}

declare global {
  interface Window {
    /** Set by a test on an open page to prove later that the page never reloaded. */
    __marker?: number;
  }
}

/** A made-up word of letters only (digits would be split off by the tokenizer), unique per
 * `stamp`, ending in `suffix`. */
export function uniqueWord(stamp: number, suffix: string): string {
  const letters = String(stamp)
    .split('')
    .map((d) => 'bcdfghjklm'[Number(d)])
    .join('');
  return `qz${letters}${suffix}`;
}
