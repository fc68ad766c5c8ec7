// Bulk actions and merging against the real server (issue 6, point 4): one customer sends
// two requests through the public form; the admin ticks both rows in the queue, sets a
// status and a tag on both from the bulk bar ("2 changed, 0 skipped"), then merges the
// second into the first. The target's conversation shows both requests and the notice the
// customer got; the source is closed and links to the target. Last, a third request is linked
// to the target from its side panel, shows on both tickets and is unlinked again.
// Screenshots go to end2end/artifacts/.
import { test, expect, type Page } from '@playwright/test';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts, signIn } from './helpers';

test.beforeAll(ensureArtifacts);

/** Submits the public form as a customer; returns the ticket number and the portal URL. */
async function customerRequest(page: Page, email: string, subject: string, message: string): Promise<[string, string]> {
  await page.goto('/request');
  await page.locator('[name=name]').fill('Bulk Customer');
  await page.locator('[name=email]').fill(email);
  await page.locator('[name=subject]').fill(subject);
  await page.locator('[name=message]').fill(message);
  await page.locator('button[type=submit]').click();
  await expect(page).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}\?new=1$/);
  const number = ((await page.getByTestId('portal-number').textContent()) ?? '').trim();
  return [number, page.url().replace(/\?new=1$/, '')];
}

test('bulk status and tag on two tickets, then merge one into the other', async ({ browser }) => {
  test.setTimeout(120_000);
  const adminCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } });
  const customerCtx = await browser.newContext({ locale: 'en-US' });
  const page = await adminCtx.newPage();
  const customer = await customerCtx.newPage();
  const stamp = Date.now();
  const email = `bulk.${stamp}@example.com`;
  const firstText = `The printer ${stamp} is broken.`;
  const secondText = `And the scanner ${stamp} too.`;
  const tag = `bulk-${stamp}`;

  const [first] = await customerRequest(customer, email, `Printer ${stamp}`, firstText);
  const [second] = await customerRequest(customer, email, `Scanner ${stamp}`, secondText);
  const [third] = await customerRequest(customer, email, `Router ${stamp}`, `The router ${stamp} blinks.`);

  await signIn(page);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  const row = (n: string) => page.locator(`[data-testid=queue-row][data-number="${n}"]`);
  await expect(row(first)).toBeVisible();
  await expect(row(second)).toBeVisible();
  await expect(page.getByTestId('bulk-bar')).toBeHidden();
  await row(first).getByTestId('bulk-pick').check();
  await row(second).getByTestId('bulk-pick').check();
  const bar = page.getByTestId('bulk-bar');
  await expect(bar).toBeVisible();
  await expect(bar.getByTestId('bulk-count')).toHaveText('2 selected');

  // --- a status and a tag on both ---
  await bar.getByTestId('bulk-status').selectOption('pending');
  await bar.getByTestId('bulk-add-tag').fill(tag);
  await bar.getByTestId('bulk-apply').click();
  await expect(page.getByTestId('bulk-result')).toHaveText('2 changed, 0 skipped');
  await expect(bar).toBeHidden();
  await expect(row(first).locator('.pill.status-pending')).toBeVisible();
  await expect(row(second).locator('.pill.status-pending')).toBeVisible();
  await page.screenshot({ path: path.join(ARTIFACTS, 'bulk-applied.png'), fullPage: true });

  // --- merge the second into the first ---
  await row(first).getByTestId('bulk-pick').check();
  await row(second).getByTestId('bulk-pick').check();
  await bar.getByTestId('bulk-merge-target').selectOption({ label: first });
  await bar.getByTestId('bulk-merge').click();
  await expect(page.getByTestId('bulk-result')).toHaveText(`Tickets merged into ${first}`);
  await expect(row(second)).toHaveCount(0); // closed: out of the working set

  // The target's conversation holds both requests and the notice, in order.
  await page.goto(`/agent/t/${first}`);
  const messages = page.getByTestId('timeline-message');
  await expect(messages.filter({ hasText: firstText })).toHaveCount(1);
  await expect(messages.filter({ hasText: secondText })).toHaveCount(1);
  const notice = messages.filter({ hasText: `has been merged into request #${first}` });
  await expect(notice).toHaveCount(1);
  const texts = await messages.allTextContents();
  const at = (s: string) => texts.findIndex((t) => t.includes(s));
  expect(at(firstText)).toBeLessThan(at(secondText));
  expect(at(secondText)).toBeLessThan(at(`has been merged into request #${first}`));
  await expect(page.locator(`[data-testid=merged-from][data-number="${second}"]`)).toBeVisible();
  await expect(page.getByTestId('ticket-head')).toContainText(first);
  await page.screenshot({ path: path.join(ARTIFACTS, 'merge-target.png'), fullPage: true });

  // The source: closed, with a link to the target.
  await page.goto(`/agent/t/${second}`);
  await expect(page.getByTestId('ticket-head').locator('.pill.status-closed')).toBeVisible();
  const marker = page.getByTestId('merged-into');
  await expect(marker).toHaveAttribute('data-number', first);
  // (Followed by URL: a live refetch may replace the node under a click.)
  await expect(marker.getByRole('link', { name: first })).toHaveAttribute('href', `/agent/t/${first}`);
  await page.goto(`/agent/t/${first}`);
  await expect(page.getByTestId('ticket-head')).toContainText(first);

  // --- a related link from the side panel, both ways, then removed ---
  // The panel loads once the page is interactive; its "none yet" line says it is.
  await expect(page.getByTestId('related-none')).toBeVisible();
  await page.getByTestId('related-number').fill(third);
  await page.getByTestId('related-add').click();
  await expect(page.locator(`[data-testid=related-link][data-number="${third}"]`)).toBeVisible();
  await expect(page.getByTestId('related-number')).toHaveValue('');
  await page.goto(`/agent/t/${third}`);
  const back = page.locator(`[data-testid=related-link][data-number="${first}"]`);
  await expect(back).toBeVisible();
  await page.screenshot({ path: path.join(ARTIFACTS, 'related-link.png'), fullPage: true });
  await back.getByTestId('related-remove').click();
  await expect(page.getByTestId('related-none')).toBeVisible();
  await page.goto(`/agent/t/${first}`);
  await expect(page.getByTestId('related-none')).toBeVisible();
});
