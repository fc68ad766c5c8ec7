// My settings (issue 6, agent notifications): the admin opens /agent/settings from the
// navigation, switches off email for assignments, and after a reload the page shows what
// was stored (email for mentions still on).
import { test, expect } from '@playwright/test';
import { signIn } from './helpers';

test('email alert preferences are saved per agent', async ({ browser }) => {
  const ctx = await browser.newContext({ locale: 'en-US' });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await signIn(page);
  await page.getByTestId('nav-settings').click();
  await expect(page).toHaveURL(/\/agent\/settings$/);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  const assigned = page.getByTestId('pref-assigned');
  await expect(assigned).toBeChecked();
  await expect(page.getByTestId('pref-mentioned')).toBeChecked();
  await assigned.uncheck();
  await expect(page.getByTestId('prefs-saved')).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('pref-assigned')).not.toBeChecked();
  await expect(page.getByTestId('pref-mentioned')).toBeChecked();
  // Back on, for other tests sharing the server.
  await page.getByTestId('pref-assigned').check();
  await expect(page.getByTestId('prefs-saved')).toBeVisible();
  expect(errors).toEqual([]);
  await ctx.close();
});
