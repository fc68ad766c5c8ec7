// The customer portal's sign-in (issue 7, point 5) against the real server: a customer with two
// requests (the web form and the API) asks for a sign-in link on /portal; the mail is a durable
// job and the e2e server has no SMTP mailbox, so the test reads the link from that job's payload
// in the server's SQLite file (test side only: the product has no way to reveal a link; the
// integration test `it::portal` reads the same mail from the real Dovecot mailbox). The link's
// page asks to confirm; the customer lands on /portal/tickets with both requests (and not a
// stranger's), opens one, replies with a file and downloads it back. A used link shows the
// neutral dead-link page; a stranger's ticket is the neutral 404. Then, without signing in, the
// lookup by number and email opens the ticket page, and a wrong address gets the neutral
// answer. Screenshots go to end2end/artifacts/.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts } from './helpers';

test.beforeAll(ensureArtifacts);

/** The portal sign-in link mailed to `email`, read from the queued mail job. */
function signInLink(email: string): string {
  const db = path.join(process.env.LOSSLESS_E2E_TMP ?? '', 'e2e.db');
  const out = execFileSync(
    'sqlite3',
    ['-readonly', db, "SELECT payload FROM jobs WHERE kind = 'account_mail' AND key LIKE 'portal:%' ORDER BY id DESC"],
    { encoding: 'utf8' },
  );
  for (const line of out.split('\n').filter((l) => l.trim() !== '')) {
    const job = JSON.parse(line);
    if (job.to === email) {
      const m = /\/portal\/login\/([0-9a-f]{64})/.exec(job.body);
      if (m) return `/portal/login/${m[1]}`;
    }
  }
  throw new Error(`no sign-in link for ${email}`);
}

test('a customer signs in by an email link, sees their requests and replies with a file', async ({ browser, request }) => {
  test.setTimeout(120_000);
  const stamp = Date.now();
  const email = `portal.${stamp}@example.com`;
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 900 } });
  const page = await ctx.newPage();

  // Two requests of one customer: the web form and the API; and a stranger's.
  const subject = `Kettle smokes ${stamp}`;
  await page.goto('/request');
  await page.locator('[name=name]').fill('Portal Customer');
  await page.locator('[name=email]').fill(email);
  await page.locator('[name=subject]').fill(subject);
  await page.locator('[name=message]').fill('It smokes when I switch it on.');
  await page.locator('button[type=submit]').click();
  await expect(page).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}\?new=1$/);
  const webNumber = ((await page.getByTestId('portal-number').textContent()) ?? '').trim();
  const api = await request.post('/api/v1/requests', {
    data: { name: 'Portal Customer', email, message: `And the toaster ${stamp}` },
  });
  expect(api.status()).toBe(201);
  const apiNumber: string = (await api.json()).number;
  const other = await request.post('/api/v1/requests', {
    data: { name: 'Stranger', email: `stranger.${stamp}@example.com`, message: `Not yours ${stamp}` },
  });
  expect(other.status()).toBe(201);
  const otherNumber: string = (await other.json()).number;

  // Ask for a link: the neutral answer.
  await page.goto('/portal');
  await page.getByTestId('portal-link-email').fill(email);
  await page.getByTestId('portal-link-send').click();
  await expect(page.getByTestId('portal-link-sent')).toBeVisible();
  await page.screenshot({ path: path.join(ARTIFACTS, 'portal-home.png'), fullPage: true });

  // The mailed link asks to confirm, then lands on the list.
  const link = signInLink(email);
  await page.goto(link);
  await expect(page.getByTestId('portal-link-page')).toBeVisible();
  await page.getByTestId('portal-link-go').click();
  await expect(page).toHaveURL(/\/portal\/tickets$/);
  const rows = page.getByTestId('portal-row');
  await expect(rows).toHaveCount(2);
  await expect(page.locator(`[data-testid=portal-row][data-number="${webNumber}"]`)).toHaveAttribute('data-channel', 'web_form');
  await expect(page.locator(`[data-testid=portal-row][data-number="${apiNumber}"]`)).toHaveAttribute('data-channel', 'api');
  await expect(page.locator(`[data-testid=portal-row][data-number="${otherNumber}"]`)).toHaveCount(0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'portal-tickets.png'), fullPage: true });

  // Open the web form's request and reply with a file.
  await page.locator(`[data-testid=portal-row][data-number="${webNumber}"] a`).first().click();
  await expect(page).toHaveURL(new RegExp(`/portal/tickets/${webNumber}$`));
  await expect(page.getByTestId('portal-number')).toHaveText(webNumber);
  await expect(page.getByText('It smokes when I switch it on.')).toBeVisible();
  const reply = `Here is the log ${stamp}`;
  await page.getByTestId('portal-reply-body').fill(reply);
  await page.getByTestId('portal-reply-files').setInputFiles({
    name: 'kettle.log',
    mimeType: 'text/plain',
    buffer: Buffer.from(`steam everywhere ${stamp}`),
  });
  await page.getByTestId('portal-reply-send').click();
  await expect(page).toHaveURL(new RegExp(`/portal/tickets/${webNumber}$`));
  const mine = page.getByTestId('portal-message').filter({ hasText: reply });
  await expect(mine).toBeVisible();
  const file = mine.getByTestId('portal-file');
  await expect(file).toHaveText('kettle.log');
  const href = await file.getAttribute('href');
  expect(href).toMatch(new RegExp(`^/portal/tickets/${webNumber}/files/[0-9a-f]{64}$`));
  const download = await page.request.get(href ?? '');
  expect(download.status()).toBe(200);
  expect(await download.text()).toBe(`steam everywhere ${stamp}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'portal-reply-file.png'), fullPage: true });

  // A stranger's request is the neutral 404; so is the used link.
  const theirs = await page.goto(`/portal/tickets/${otherNumber}`);
  expect(theirs?.status()).toBe(404);
  await expect(page.getByTestId('portal-not-found')).toBeVisible();
  const used = await page.goto(link);
  expect(used?.status()).toBe(404);
  await expect(page.getByTestId('portal-link-invalid')).toBeVisible();

  // Sign out: the list is closed again.
  await page.goto('/portal/tickets');
  await page.getByTestId('portal-sign-out').click();
  await expect(page).toHaveURL(/\/portal$/);
  const closed = await page.goto('/portal/tickets');
  expect(closed?.status()).toBe(401);
  await expect(page.getByTestId('portal-sign-in-first')).toBeVisible();
  await ctx.close();

  // Lookup by number and email, without a session; a wrong address: the neutral answer.
  const guest = await browser.newContext({ locale: 'en-US' });
  const g = await guest.newPage();
  await g.goto('/portal');
  await g.getByTestId('portal-lookup-number').fill(apiNumber);
  await g.getByTestId('portal-lookup-email').fill(`stranger.${stamp}@example.com`);
  await g.getByTestId('portal-lookup-send').click();
  await expect(g.getByTestId('portal-lookup-not-found')).toBeVisible();
  await g.getByTestId('portal-lookup-email').fill(email);
  await g.getByTestId('portal-lookup-send').click();
  await expect(g).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}$/);
  await expect(g.getByTestId('portal-number')).toHaveText(apiNumber);
  await expect(g.getByTestId('portal-message').filter({ hasText: `And the toaster ${stamp}` })).toBeVisible();
  await g.screenshot({ path: path.join(ARTIFACTS, 'portal-lookup.png'), fullPage: true });
  await guest.close();
});

test('the portal reply with a file works without JavaScript', async ({ browser }) => {
  const ctx = await browser.newContext({ javaScriptEnabled: false, locale: 'en-US' });
  const page = await ctx.newPage();
  const stamp = Date.now();
  await page.goto('/request');
  await page.locator('[name=name]').fill('No Script');
  await page.locator('[name=email]').fill(`noscript.portal.${stamp}@example.com`);
  await page.locator('[name=message]').fill(`Plain HTML request ${stamp}`);
  await page.locator('button[type=submit]').click();
  await expect(page).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}\?new=1$/);
  const reply = `Plain HTML reply with a file ${stamp}`;
  await page.getByTestId('portal-reply-body').fill(reply);
  await page.getByTestId('portal-reply-files').setInputFiles({
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(`no script ${stamp}`),
  });
  await page.getByTestId('portal-reply-send').click();
  await expect(page).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}$/);
  const mine = page.getByTestId('portal-message').filter({ hasText: reply });
  await expect(mine.getByTestId('portal-file')).toHaveText('notes.txt');
  await ctx.close();
});
