// The managers' channel screen against the real server and the real test mail servers
// (Dovecot IMAP 127.0.0.1:1143, Postfix SMTP 127.0.0.1:2525; `make test` starts them before
// Playwright, `make mail` by hand): the admin opens /manage/channels from the navigation,
// gets field errors for an incomplete form, fills in the sales mailbox, runs "Test this
// mailbox" and sees every step pass, saves it, and finds it in the table with its health.
// Screenshots go to end2end/artifacts/ (gitignored).
import { test, expect } from '@playwright/test';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts, signIn } from './helpers';



test.beforeAll(ensureArtifacts);

test('an admin adds a mailbox, tests it against the real mail servers and sees its health', async ({ browser }) => {
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  await signIn(page);

  await page.getByTestId('nav-channels').click();
  await expect(page).toHaveURL(/\/manage\/channels$/);
  // Hydrated (the live socket only opens in the browser build).
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  await expect(page.getByTestId('mailboxes')).toBeVisible();
  await expect(page.getByTestId('dead-letters')).toBeVisible();
  await expect(page.getByTestId('mb-form-title')).toHaveText('New mailbox');

  // An incomplete form: the bad fields are named next to themselves, nothing is saved.
  const name = `e2e-${Date.now()}`;
  await page.getByTestId('mb-name').fill(name);
  await page.getByTestId('mb-save').click();
  await expect(page.locator('[data-testid=field-error][data-field=imap_host]')).toBeVisible();
  await expect(page.locator('[data-testid=field-error][data-field=address]')).toBeVisible();
  await expect(page.locator('[data-testid=field-error][data-field=imap_password]')).toBeVisible();
  await expect(page.locator(`[data-testid=mb-row][data-name="${name}"]`)).toHaveCount(0);

  // The sales mailbox of the test Dovecot, replies over the local Postfix without a login.
  await page.getByTestId('mb-address').fill('sales@lossless.test');
  await page.getByTestId('mb-imap_host').fill('127.0.0.1');
  await page.getByTestId('mb-imap_port').fill('1143');
  await page.getByTestId('mb-imap_security').selectOption('plain');
  await page.getByTestId('mb-imap_user').fill('sales@lossless.test');
  await page.getByTestId('mb-imap_password').fill('sales-pw');
  await expect(page.getByTestId('mb-smtp_enabled')).toBeChecked();
  await page.getByTestId('mb-smtp_host').fill('127.0.0.1');
  await page.getByTestId('mb-smtp_port').fill('2525');
  await page.getByTestId('mb-smtp_security').selectOption('plain');
  await page.getByTestId('mb-smtp_user').fill('');
  await page.getByTestId('mb-poll_seconds').fill('5');

  // "Test this mailbox" before saving: connect, log in, list folders, send a probe.
  await page.getByTestId('mb-probe').click();
  const probe = page.getByTestId('probe');
  await expect(probe).toBeVisible({ timeout: 30_000 });
  const steps = probe.getByTestId('probe-step');
  await expect(steps).toHaveCount(4);
  for (let i = 0; i < 4; i++) {
    await expect(steps.nth(i)).toHaveAttribute('data-ok', 'true');
    await expect(steps.nth(i)).toContainText('✓');
  }
  await expect(steps.nth(2)).toContainText('INBOX');
  await expect(probe).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('mb-form-error')).toHaveCount(0);
  await expect(page.getByTestId('field-error')).toHaveCount(0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'channels-probe.png'), fullPage: true });

  // Save: the mailbox shows in the table, from the UI, with its endpoints and health.
  await page.getByTestId('mb-save').click();
  await expect(page.getByTestId('mb-saved')).toContainText(name);
  await expect(page.getByTestId('mb-form-title')).toContainText(name);
  await expect(page.getByTestId('mb-imap_password')).toHaveValue('');
  const row = page.locator(`[data-testid=mb-row][data-name="${name}"]`);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-source', 'ui');
  await expect(row).toContainText('sales@lossless.test');
  await expect(row.getByTestId('mb-imap')).toContainText('127.0.0.1:1143');
  await expect(row.getByTestId('mb-smtp')).toContainText('127.0.0.1:2525');
  await expect(row.getByTestId('mb-enabled')).toHaveText('yes');
  await expect(row.getByTestId('mb-health')).toContainText('Received (24 h)');
  // The node picks the new mailbox up and fetches it: the health shows the last fetch and
  // the lag since the last successful one.
  await expect(async () => {
    await page.getByTestId('channels-refresh').click();
    await expect(row.getByTestId('mb-last-fetch')).not.toContainText('never', { timeout: 1_000 });
    await expect(row.getByTestId('mb-lag')).toContainText('Lag:', { timeout: 1_000 });
  }).toPass({ timeout: 45_000 });
  await expect(row.getByTestId('mb-error')).toHaveCount(0);
  expect(await page.content()).not.toContain('sales-pw');
  await page.screenshot({ path: path.join(ARTIFACTS, 'channels.png'), fullPage: true });

  // Editing keeps the stored password when the field stays empty.
  await row.getByTestId('mb-edit').click();
  await expect(page.getByTestId('mb-name')).toHaveValue(name);
  await expect(page.getByTestId('mb-imap_password')).toHaveValue('');
  await page.getByTestId('mb-probe').click();
  await expect(page.getByTestId('probe')).toHaveAttribute('data-ok', 'true', { timeout: 30_000 });
  await ctx.close();
});
