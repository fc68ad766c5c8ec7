// Search against the real server (issue 6): a customer submits the public form in Russian;
// the admin types another word form into the queue's search box (found by its
// data-shortcut), sees the ticket with the matched words marked, saves the search, opens
// the ticket, finds the saved search in the queue, opens it again and deletes it; a ticket
// number typed into the box opens that ticket. Screenshots go to end2end/artifacts/.
import { test, expect } from '@playwright/test';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts, signIn, uniqueWord } from './helpers';

test.beforeAll(ensureArtifacts);

test('a word form finds the ticket, the search is saved, reopened and deleted', async ({ browser }) => {
  const adminCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1300, height: 900 } });
  const customerCtx = await browser.newContext({ locale: 'ru-RU' });
  const admin = await adminCtx.newPage();
  const customer = await customerCtx.newPage();
  const stamp = Date.now();
  const word = uniqueWord(stamp, 'find');
  const viewName = `Refunds ${stamp}`;

  const errors: string[] = [];
  admin.on('pageerror', (e) => errors.push(e.message));
  admin.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });

  // --- customer: the public form ---
  await customer.goto('/request');
  await customer.locator('[name=name]').fill('Ольга Поиск');
  await customer.locator('[name=email]').fill(`olga.${stamp}@example.com`);
  await customer.locator('[name=subject]').fill(`Возврат денег ${word}`);
  await customer.locator('[name=message]').fill(`Хочу вернуть деньги за заказы ${word}, пришёл брак.`);
  await customer.locator('button[type=submit]').click();
  await expect(customer).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}\?new=1$/);
  const number = ((await customer.getByTestId('portal-number').textContent()) ?? '').trim();
  expect(number).toMatch(/^[A-Z0-9]+-\d+$/);

  // --- admin: another word form in the queue's search box ---
  await signIn(admin);
  await expect(admin.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  const box = admin.locator('[data-shortcut="search"]');
  await expect(box).toBeVisible();
  await box.fill(`возвратом заказа ${word}`);
  await box.press('Enter');
  await expect(admin).toHaveURL(/\/agent\/search\?q=/);
  const hit = admin.locator(`[data-testid=search-hit][data-number="${number}"]`);
  await expect(hit).toBeVisible();
  await expect(admin.getByTestId('search-hit')).toHaveCount(1);
  await expect(hit.locator('mark').first()).toHaveText('Возврат');
  await expect(hit.getByTestId('search-snippet').locator('mark', { hasText: 'заказы' })).toBeVisible();
  await expect(admin.getByTestId('search-input')).toHaveValue(`возвратом заказа ${word}`);
  await admin.screenshot({ path: path.join(ARTIFACTS, 'search-results.png'), fullPage: true });

  // --- save the search ---
  await admin.getByTestId('saved-view-name').fill(viewName);
  await admin.getByTestId('saved-view-save').click();
  await expect(admin).toHaveURL(/[?&]view=\d+/);
  const link = admin.locator('[data-testid=saved-view]', { hasText: viewName });
  await expect(link).toBeVisible();
  await expect(link).toHaveClass(/active/);
  await expect(admin.getByTestId('saved-view-status')).toContainText(viewName);
  await expect(admin.locator('h1')).toContainText(viewName);

  // --- open the ticket from the results ---
  await hit.locator('a.hit-title').click();
  await expect(admin).toHaveURL(new RegExp(`/agent/t/${number}$`));

  // --- the queue lists the saved search; it opens the same results ---
  await admin.goto('/agent');
  const saved = admin.locator('[data-testid=saved-view]', { hasText: viewName });
  await expect(saved).toBeVisible();
  await saved.click();
  await expect(admin).toHaveURL(/\/agent\/search\?q=.*[?&]view=\d+/);
  await expect(admin.locator(`[data-testid=search-hit][data-number="${number}"]`)).toBeVisible();
  await admin.screenshot({ path: path.join(ARTIFACTS, 'search-saved.png'), fullPage: true });

  // --- delete it ---
  await admin.getByTestId('saved-view-delete').click();
  await expect(admin).not.toHaveURL(/[?&]view=/);
  await expect(admin.locator('[data-testid=saved-view]', { hasText: viewName })).toHaveCount(0);

  // --- a ticket number opens the ticket ---
  const seq = number.split('-').pop();
  await admin.getByTestId('search-input').fill(`#${seq}`);
  await admin.getByTestId('search-input').press('Enter');
  await expect(admin).toHaveURL(new RegExp(`/agent/t/${number}$`));

  expect(errors).toEqual([]);

  // --- a bad filter is explained (the refusal is a 422, which the browser logs) ---
  await admin.goto('/agent/search?q=status%3Alost');
  await expect(admin.getByTestId('search-error')).toContainText('status:');
});
