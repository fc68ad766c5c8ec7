// Canned responses and macros against the real server (issue 6): the admin creates on
// /agent/canned a response with {{customer.name}} and {{ticket.number}} (a typo'd
// placeholder is named before and after saving; the preview fills sample values; a
// placeholder button inserts at the cursor) and a macro (text, status "pending", a tag,
// assign to whoever applies it). On a ticket a customer submitted, the composer's button
// opens the searchable picker; choosing the response fills the reply with the customer's
// name and the ticket's number; it is sent and shows in the thread. Typing "/" and the
// macro's shortcut picks the macro from the keyboard; sending the reply applies its actions
// in one change (status pill, tag, assignee, history). Screenshots go to end2end/artifacts/.
import { test, expect, type Page } from '@playwright/test';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts, signIn, uniqueWord } from './helpers';

test.beforeAll(ensureArtifacts);

/** Submits the public form as a customer and returns the ticket number. */
async function customerRequest(page: Page, name: string, subject: string): Promise<string> {
  await page.goto('/request');
  await page.locator('[name=name]').fill(name);
  await page.locator('[name=email]').fill(`canned.${Date.now()}@example.com`);
  await page.locator('[name=subject]').fill(subject);
  await page.locator('[name=message]').fill('Не проходит оплата картой.');
  await page.locator('button[type=submit]').click();
  await expect(page).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}\?new=1$/);
  return ((await page.getByTestId('portal-number').textContent()) ?? '').trim();
}

test('canned responses fill the reply and a macro applies its actions on send', async ({ browser }) => {
  test.setTimeout(120_000);
  const adminCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } });
  const customerCtx = await browser.newContext({ locale: 'ru-RU' });
  const page = await adminCtx.newPage();
  const customer = await customerCtx.newPage();
  const stamp = Date.now();
  const greeting = `Greeting ${stamp}`;
  const macroTitle = `Waiting for the customer ${stamp}`;
  const shortcut = uniqueWord(stamp, 'wait');
  const tag = `e2e-${stamp}`;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const number = await customerRequest(customer, 'Ирина Тестова', `Canned ${stamp}`);
  expect(number).toMatch(/^[A-Z0-9]+-\d+$/);

  // --- the management page, from the navigation ---
  await signIn(page);
  await page.getByTestId('nav-canned').click();
  await expect(page).toHaveURL(/\/agent\/canned$/);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  await page.getByTestId('canned-new').click();
  const editor = page.getByTestId('canned-editor');
  await expect(editor).toBeVisible();
  await editor.getByTestId('canned-title').fill(greeting);
  // A typo'd placeholder is named while typing, and by the server when saving anyway.
  await editor.getByTestId('canned-body').fill('Hello {{customer.nmae}}');
  await expect(editor.locator('[data-testid=field-error][data-field=body]')).toContainText('{{customer.nmae}}');
  await editor.getByTestId('canned-save').click();
  await expect(editor.locator('[data-testid=field-error][data-field=body]')).toContainText('{{customer.nmae}}');
  await expect(page.getByTestId('canned-row')).toHaveCount(0);
  // Fixed; a placeholder button inserts at the cursor (the end here).
  await editor.getByTestId('canned-body').fill('Здравствуйте, {{ customer.name }}! Ваше обращение {{ticket.number}} принято. — ');
  await editor.locator('[data-testid=placeholder][data-key="agent.first_name"]').click();
  await expect(editor.getByTestId('canned-body')).toHaveValue(
    'Здравствуйте, {{ customer.name }}! Ваше обращение {{ticket.number}} принято. — {{agent.first_name}}',
  );
  await expect(editor.locator('[data-testid=field-error]')).toHaveCount(0);
  await expect(editor.getByTestId('canned-preview')).toContainText('Здравствуйте, Anna Peters! Ваше обращение LL-1042 принято.');
  await editor.getByTestId('canned-save').click();
  await expect(page.getByTestId('canned-notice')).toBeVisible();
  await expect(page.locator('[data-testid=canned-row]', { hasText: greeting })).toBeVisible();

  // --- a macro: text plus status, tag and assignee ---
  await page.getByTestId('canned-new').click();
  await editor.getByTestId('canned-title').fill(macroTitle);
  await editor.getByTestId('canned-shortcut').fill(`/${shortcut}`);
  await editor.getByTestId('canned-body').fill('{{customer.name}}, ждём вашего ответа по {{ticket.number}}.');
  await editor.getByTestId('canned-status').selectOption('pending');
  await editor.getByTestId('canned-assign').selectOption('me');
  await editor.getByTestId('canned-add-tags').fill(tag);
  await editor.getByTestId('canned-save').click();
  const macroRow = page.locator('[data-testid=canned-row]', { hasText: macroTitle });
  await expect(macroRow).toBeVisible();
  await expect(macroRow.getByTestId('canned-shortcut')).toHaveText(`/${shortcut}`);
  await expect(macroRow.getByTestId('canned-actions')).toContainText('status → Pending');
  await expect(macroRow.getByTestId('canned-actions')).toContainText(tag);
  // The page's search filters (case-insensitive).
  await page.getByTestId('canned-search').fill(greeting.toUpperCase());
  await expect(page.getByTestId('canned-row')).toHaveCount(1);
  await page.getByTestId('canned-search').fill('');
  await page.screenshot({ path: path.join(ARTIFACTS, 'canned-page.png'), fullPage: true });

  // --- the ticket: pick the greeting from the composer's button ---
  await page.goto(`/agent/t/${number}`);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  const reply = page.getByTestId('reply-body');
  await page.getByTestId('canned-button').click();
  const popover = page.getByTestId('canned-popover');
  await expect(popover).toBeVisible();
  await popover.getByTestId('canned-search-input').fill(`greeting ${stamp}`);
  await expect(popover.getByTestId('canned-option')).toHaveCount(1);
  await popover.getByTestId('canned-option').click();
  await expect(popover).toHaveCount(0);
  const filled = `Здравствуйте, Ирина Тестова! Ваше обращение ${number} принято. — `;
  await expect(reply).toHaveValue(new RegExp(`^${filled}\\S+$`));
  await expect(page.getByTestId('canned-pending')).toHaveCount(0);
  await page.getByTestId('reply-send').click();
  await expect(page.locator('[data-testid=timeline-message][data-kind=outbound]', { hasText: filled })).toBeVisible();
  await expect(reply).toHaveValue('');

  // --- "/shortcut" picks the macro from the keyboard; sending applies its actions ---
  await reply.click();
  await reply.pressSequentially(`/${shortcut}`);
  await expect(page.getByTestId('canned-popover')).toHaveAttribute('data-mode', 'slash');
  await expect(page.getByTestId('canned-option').first()).toContainText(macroTitle);
  await reply.press('Enter');
  const macroText = `Ирина Тестова, ждём вашего ответа по ${number}.`;
  await expect(reply).toHaveValue(macroText);
  const pending = page.getByTestId('canned-pending');
  await expect(pending).toContainText(macroTitle);
  await expect(pending.getByTestId('canned-pending-actions')).toContainText('status → Pending');
  await expect(pending.getByTestId('canned-pending-actions')).toContainText(tag);
  await page.screenshot({ path: path.join(ARTIFACTS, 'canned-macro.png'), fullPage: true });
  await page.getByTestId('reply-send').click();
  await expect(page.locator('[data-testid=timeline-message][data-kind=outbound]', { hasText: macroText })).toBeVisible();
  await expect(page.getByTestId('canned-applied')).toContainText(macroTitle);
  await expect(page.getByTestId('status-select')).toHaveValue('pending');
  await expect(page.getByTestId('ticket-head')).toContainText('Pending');
  await expect(page.locator('.side .tag', { hasText: tag })).toBeVisible();
  await expect(page.locator('[data-testid=timeline-event][data-kind=tagged]', { hasText: tag })).toBeVisible();
  await expect(page.locator('[data-testid=timeline-event][data-kind=status_changed]').last()).toContainText('Pending');
  await expect(page.getByTestId('canned-pending')).toHaveCount(0);
  await expect(page.getByTestId('flash')).toHaveCount(0);
  await expect(page.getByTestId('canned-error')).toHaveCount(0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'canned-applied.png'), fullPage: true });
  expect(errors).toEqual([]);
});
