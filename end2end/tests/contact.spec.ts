// The full customer profile against the real server (issue 6, point 6): a customer writes
// twice through the web form with one address and once more with another address (a
// duplicate contact). The admin opens the first ticket and sees the profile panel beside it
// listing the customer's other ticket with counts; edits the contact (VIP, a note for agents
// only) and sees it saved; opens the contact page, finds the duplicate by its address and
// merges it after confirming; the duplicate's ticket is then listed on the contact page. The
// customer's portal page never shows the note. Screenshots go to end2end/artifacts/.
import { test, expect, type Page } from '@playwright/test';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts, signIn } from './helpers';

test.beforeAll(ensureArtifacts);

/** Submits the public form as a customer; returns the ticket number and the portal URL. */
async function customerRequest(
  page: Page,
  name: string,
  email: string,
  subject: string,
): Promise<{ number: string; portal: string }> {
  await page.goto('/request');
  await page.locator('[name=name]').fill(name);
  await page.locator('[name=email]').fill(email);
  await page.locator('[name=subject]').fill(subject);
  await page.locator('[name=message]').fill('Не приходит заказ.');
  await page.locator('button[type=submit]').click();
  await expect(page).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}\?new=1$/);
  const number = ((await page.getByTestId('portal-number').textContent()) ?? '').trim();
  return { number, portal: page.url().replace(/\?new=1$/, '') };
}

test('the profile beside a ticket lists other tickets, edits, and merges a duplicate', async ({ browser }) => {
  test.setTimeout(120_000);
  const adminCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } });
  const customerCtx = await browser.newContext({ locale: 'ru-RU' });
  const page = await adminCtx.newPage();
  const customer = await customerCtx.newPage();
  const stamp = Date.now();
  const mainEmail = `profile.${stamp}@example.com`;
  const dupEmail = `profile.dup.${stamp}@example.org`;
  const note = `Prefers calls in the morning ${stamp}`;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const first = await customerRequest(customer, 'Ольга Профилева', mainEmail, `Profile one ${stamp}`);
  const second = await customerRequest(customer, 'Ольга Профилева', mainEmail, `Profile two ${stamp}`);
  const dup = await customerRequest(customer, 'Ольга П.', dupEmail, `Profile dup ${stamp}`);

  // --- the panel beside the ticket ---
  await signIn(page);
  await page.goto(`/agent/t/${first.number}`);
  const panel = page.getByTestId('contact-panel');
  await expect(panel.getByTestId('contact-card-name')).toHaveText('Ольга Профилева');
  await expect(panel.locator('[data-testid=contact-handle][data-kind=email]')).toContainText(mainEmail);
  await expect(panel.locator(`[data-testid=contact-ticket][data-number="${second.number}"]`)).toBeVisible();
  await expect(panel.locator(`[data-testid=contact-ticket][data-number="${first.number}"]`)).toBeVisible();
  await expect(panel.getByTestId('contact-counts')).toHaveAttribute('data-total', '2');
  await expect(panel.getByTestId('contact-counts')).toHaveAttribute('data-open', '2');
  await expect(panel.getByTestId('contact-vip')).toHaveCount(0);

  // --- edit: VIP and a note; a handle of the duplicate is refused with a merge hint ---
  await panel.getByTestId('contact-edit').click();
  const form = panel.getByTestId('contact-edit-form');
  await form.getByTestId('contact-edit-vip').check();
  await form.getByTestId('contact-edit-notes').fill(note);
  await form.getByTestId('contact-edit-add-handle').click();
  await form.getByTestId('contact-edit-handle-value').nth(1).fill(dupEmail);
  await form.getByTestId('contact-save').click();
  await expect(form.locator('[data-testid=field-error][data-field="handles.1"]')).toContainText('merge');
  await form.getByTestId('contact-edit-handle-remove').nth(1).click();
  await form.getByTestId('contact-save').click();
  await expect(panel.getByTestId('contact-vip')).toBeVisible();
  await expect(panel.getByTestId('contact-notes')).toHaveText(note);
  await page.screenshot({ path: path.join(ARTIFACTS, 'contact-panel.png'), fullPage: true });

  // --- the contact page: find the duplicate and merge it ---
  await panel.getByTestId('contact-page-link').click();
  await expect(page).toHaveURL(/\/agent\/contacts\/\d+$/);
  const merge = page.getByTestId('contact-merge');
  await expect(page.getByTestId('contact-notes')).toHaveText(note);
  await merge.getByTestId('merge-search').fill(dupEmail);
  await merge.getByTestId('merge-find').click();
  const hit = merge.getByTestId('merge-hit');
  await expect(hit).toHaveCount(1);
  await expect(hit).toContainText('Ольга П.');
  await hit.getByTestId('merge-pick').click();
  await expect(merge.getByTestId('merge-confirm')).toContainText('Ольга П.');
  await merge.getByTestId('merge-yes').click();
  await expect(merge.getByTestId('merge-done')).toContainText('1');
  await expect(page.locator(`[data-testid=contact-ticket][data-number="${dup.number}"]`)).toBeVisible();
  await expect(page.getByTestId('contact-counts')).toHaveAttribute('data-total', '3');
  await expect(page.locator('[data-testid=contact-handle]', { hasText: dupEmail })).toBeVisible();
  await page.screenshot({ path: path.join(ARTIFACTS, 'contact-page-merged.png'), fullPage: true });

  // The duplicate's ticket now shows the merged customer and the history row.
  await page.locator(`[data-testid=contact-ticket][data-number="${dup.number}"] a`).click();
  await expect(page.getByTestId('ticket-number')).toHaveText(dup.number);
  await expect(page.getByTestId('contact-panel').getByTestId('contact-card-name')).toHaveText('Ольга Профилева');
  await expect(page.getByTestId('timeline')).toContainText('Ольга П.');

  // --- the customer never sees the note ---
  await customer.goto(dup.portal);
  await expect(customer.getByTestId('portal-number')).toHaveText(dup.number);
  expect(await customer.content()).not.toContain(note);

  expect(errors).toEqual([]);
});
