// User accounts against the real server (issue 6, point 1): the admin opens /manage/users from
// the navigation, invites a new agent (a missing name is named first), and sees them listed as
// invited. The invitation mail is a durable job; the e2e server has no SMTP mailbox, so the test
// reads the mailed link from that job's payload in the server's SQLite file (test side only:
// the product has no way to reveal a link). In a fresh browser the link opens the password
// page; a short password is refused with its message; a good one lands the new agent signed in
// on /agent. A used link then shows the neutral dead-link page. The admin's audit page lists
// the invitation and its acceptance. Screenshots go to end2end/artifacts/.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts, signIn } from './helpers';

test.beforeAll(ensureArtifacts);

/** The invite link mailed to `email`, read from the queued mail job. */
function inviteLink(email: string): string {
  const db = path.join(process.env.LOSSLESS_E2E_TMP ?? '', 'e2e.db');
  const out = execFileSync('sqlite3', ['-readonly', db, "SELECT payload FROM jobs WHERE kind = 'account_mail' ORDER BY id DESC"], {
    encoding: 'utf8',
  });
  for (const line of out.split('\n').filter((l) => l.trim() !== '')) {
    const job = JSON.parse(line);
    if (job.to === email) {
      const m = /\/invite\/([0-9a-f]{64})/.exec(job.body);
      if (m) return `/invite/${m[1]}`;
    }
  }
  throw new Error(`no invitation for ${email}`);
}

test('an admin invites an agent who sets a password and lands signed in', async ({ browser }) => {
  test.setTimeout(120_000);
  const stamp = Date.now();
  const email = `invitee.${stamp}@example.com`;
  const name = `Invitee ${stamp}`;

  const adminCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } });
  const admin = await adminCtx.newPage();
  await signIn(admin);
  await admin.getByTestId('nav-users').click();
  await expect(admin).toHaveURL(/\/manage\/users$/);
  await expect(admin.getByTestId('users-table')).toBeVisible();

  // A missing name is named next to its field; nothing is invited.
  await admin.getByTestId('invite-email').fill(email);
  await admin.getByTestId('invite-submit').click();
  await expect(admin.locator('[data-testid=field-error][data-field=name]')).toBeVisible();
  await expect(admin.locator(`[data-testid=user-row][data-email="${email}"]`)).toHaveCount(0);

  await admin.getByTestId('invite-name').fill(name);
  await admin.getByTestId('invite-role').selectOption('agent');
  await admin.getByTestId('invite-lang').selectOption('en');
  await admin.getByTestId('invite-submit').click();
  await expect(admin.getByTestId('invite-sent')).toBeVisible();
  const row = admin.locator(`[data-testid=user-row][data-email="${email}"]`);
  await expect(row).toHaveAttribute('data-status', 'invited');
  await expect(row.getByTestId('user-status')).toHaveText('Invited');
  await admin.screenshot({ path: path.join(ARTIFACTS, 'accounts-users.png'), fullPage: true });

  // The invitee, in a browser of their own, follows the link.
  const link = inviteLink(email);
  const ctx = await browser.newContext({ locale: 'en-US' });
  const page = await ctx.newPage();
  await page.goto(link);
  await expect(page.getByTestId('password-page')).toBeVisible();
  await expect(page.getByTestId('link-holder')).toContainText(name);
  await page.getByTestId('new-password').fill('short');
  await page.getByTestId('set-password').click();
  await expect(page.getByTestId('password-error')).toContainText('at least 10 characters');
  await page.getByTestId('new-password').fill('a long enough password');
  await page.getByTestId('set-password').click();
  await expect(page).toHaveURL(/\/agent$/);
  await expect(page.getByText(name).first()).toBeVisible();
  await page.screenshot({ path: path.join(ARTIFACTS, 'accounts-signed-in.png'), fullPage: true });

  // The link worked once: now it is a dead link, saying nothing more.
  await page.goto(link);
  await expect(page.getByTestId('link-invalid')).toBeVisible();
  await ctx.close();

  // The users page shows them active; the audit log lists the invitation and its acceptance.
  await admin.reload();
  await expect(row).toHaveAttribute('data-status', 'active');
  await admin.getByTestId('nav-audit').click();
  await expect(admin).toHaveURL(/\/manage\/audit$/);
  const sent = admin.locator('[data-testid=audit-row][data-action=invite_sent]').filter({ hasText: name });
  await expect(sent).toHaveCount(1);
  await expect(sent).toContainText(email);
  await expect(admin.locator('[data-testid=audit-row][data-action=invite_accepted]').filter({ hasText: name })).toHaveCount(1);
  await admin.getByTestId('audit-action').selectOption('invite_accepted');
  await admin.getByTestId('audit-apply').click();
  await expect(admin).toHaveURL(/action=invite_accepted/);
  await expect(admin.locator('[data-testid=audit-row][data-action=invite_sent]')).toHaveCount(0);
  await admin.screenshot({ path: path.join(ARTIFACTS, 'accounts-audit.png'), fullPage: true });
  await adminCtx.close();
});
