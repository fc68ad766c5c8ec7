// SLA against the real server (issue 5): the admin (a manager) adds a 24/7 calendar on
// /manage/calendars and, on /manage/sla, a policy "first response within 1 minute" for
// requests with a made-up word, on that calendar (the shipped default calendar is office
// hours in Moscow, so without it the deadline would depend on the time of day). A customer
// then submits the public form with the word; the admin's already open queue shows the
// ticket with a running SLA badge due about a minute later, which turns red (breach) without
// a reload, the ticket is listed under "SLA at risk", and the admin's notification bell
// carries the breach alert for that ticket. Screenshots go to end2end/artifacts/ (gitignored).
import { test, expect } from '@playwright/test';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts, signIn, uniqueWord } from './helpers';

test.beforeAll(ensureArtifacts);

test('a ticket past its first-response target turns red live and the manager is alerted', async ({ browser }) => {
  // A 1-minute target: about 60 s of waiting plus the browser's 30-second countdown tick.
  test.setTimeout(240_000);
  const adminCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } });
  const customerCtx = await browser.newContext({ locale: 'ru-RU' });
  const manage = await adminCtx.newPage();
  const queue = await adminCtx.newPage();
  const customer = await customerCtx.newPage();
  const stamp = Date.now();
  const word = uniqueWord(stamp, 'sla');
  const calendarName = `Always open ${stamp}`;
  const policyName = `One minute ${stamp}`;

  const errors: string[] = [];
  manage.on('pageerror', (e) => errors.push(e.message));
  manage.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });

  // --- admin: a 24/7 calendar, from the navigation ---
  await signIn(manage);
  await manage.getByTestId('nav-calendars').click();
  await expect(manage).toHaveURL(/\/manage\/calendars$/);
  await expect(manage.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  await expect(manage.getByTestId('calendar-table').or(manage.getByTestId('calendars-empty'))).toBeVisible();
  await manage.getByTestId('calendar-new').click();
  const calEditor = manage.getByTestId('calendar-editor');
  await expect(calEditor).toBeVisible();
  await calEditor.getByTestId('f-name').fill(calendarName);
  await calEditor.getByTestId('calendar-always').check();
  await expect(calEditor.getByTestId('calendar-default')).not.toBeChecked();
  await calEditor.getByTestId('calendar-save').click();
  await expect(calEditor.getByTestId('calendar-saved')).toBeVisible();
  await expect(calEditor.locator('[data-testid=field-error]')).toHaveCount(0);
  await expect(manage.locator(`[data-testid=calendar-row][data-name="${calendarName}"]`)).toBeVisible();

  // --- admin: the policy, first response within 1 minute on that calendar ---
  await manage.getByTestId('nav-sla').click();
  await expect(manage).toHaveURL(/\/manage\/sla$/);
  await expect(manage.getByTestId('policy-table').or(manage.getByTestId('policies-empty'))).toBeVisible();
  await manage.getByTestId('policy-new').click();
  const editor = manage.getByTestId('policy-editor');
  await expect(editor).toBeVisible();
  await editor.getByTestId('f-name').fill(policyName);
  await editor.getByTestId('cond-add').click();
  const cond = editor.getByTestId('cond-row').first();
  await expect(cond.getByTestId('cond-kind')).toHaveValue('keywords');
  await cond.getByTestId('cond-value').fill(word);
  await editor.getByTestId('f-targets.first_response').fill('1');
  await editor.getByTestId('f-calendar').selectOption({ label: calendarName });
  await editor.getByTestId('policy-save').click();
  await expect(editor.getByTestId('policy-saved')).toBeVisible();
  await expect(editor.locator('[data-testid=field-error]')).toHaveCount(0);
  const policyRow = manage.locator(`[data-testid=policy-row][data-name="${policyName}"]`);
  await expect(policyRow).toBeVisible();
  await expect(policyRow).toHaveAttribute('data-enabled', 'true');
  await expect(policyRow).toContainText('1 min');
  await manage.screenshot({ path: path.join(ARTIFACTS, 'sla-policy.png'), fullPage: true });
  expect(errors).toEqual([]);

  // --- admin: the queue stays open in its own tab (live) ---
  await queue.goto('/agent');
  await expect(queue.getByTestId('queue-table').or(queue.getByTestId('queue-empty'))).toBeVisible();
  await expect(queue.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  await queue.evaluate(() => {
    window.__marker = 1;
  });

  // --- customer: the public form, in Russian (so no rule routes it to a group) ---
  await customer.goto('/request');
  await customer.locator('[name=name]').fill('Светлана Сроков');
  await customer.locator('[name=email]').fill(`sveta.${stamp}@example.com`);
  await customer.locator('[name=subject]').fill(`Вопрос про ${word} ${stamp}`);
  await customer.locator('[name=message]').fill(`Подскажите, пожалуйста, как подключить ${word}.`);
  const submitted = Date.now();
  await customer.locator('button[type=submit]').click();
  await expect(customer).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}\?new=1$/);
  const number = ((await customer.getByTestId('portal-number').textContent()) ?? '').trim();
  expect(number).toMatch(/^[A-Z0-9]+-\d+$/);

  // --- admin: the open queue shows the ticket with a running badge due in about a minute ---
  const row = queue.locator(`[data-testid=queue-row][data-number="${number}"]`);
  await expect(row).toBeVisible();
  const badge = row.getByTestId('sla-badge');
  await expect(badge).toHaveAttribute('data-due', /.+/, { timeout: 20_000 });
  const state = await badge.getAttribute('data-state');
  expect(['ok', 'warn']).toContain(state);
  // Due one minute after arrival: the 24/7 calendar, not office hours.
  const due = Date.parse((await badge.getAttribute('data-due')) ?? '');
  expect(due - submitted).toBeGreaterThan(30_000);
  expect(due - submitted).toBeLessThan(90_000);
  await queue.screenshot({ path: path.join(ARTIFACTS, 'sla-queue-ok.png'), fullPage: true });

  // --- the deadline passes: red without a reload ---
  await expect(badge).toHaveAttribute('data-state', 'breach', { timeout: 120_000 });
  expect(Date.now()).toBeGreaterThanOrEqual(due);
  await expect(badge).toHaveClass(/sla-breach/);
  // The browser's countdown says "overdue …"; once the server's breach is refetched, "breached".
  await expect(badge).toContainText(/overdue|breached/);
  expect(await queue.evaluate(() => window.__marker)).toBe(1);
  await queue.screenshot({ path: path.join(ARTIFACTS, 'sla-queue-breach.png'), fullPage: true });

  // --- the manager's bell: the breach alert names the ticket and the policy ---
  const alert = queue.locator('[data-testid=notification]', { hasText: number }).filter({ hasText: policyName });
  await expect(queue.getByTestId('bell-count')).toBeVisible({ timeout: 60_000 });
  await queue.getByTestId('bell-button').click();
  await expect(queue.getByTestId('bell-panel')).toBeVisible();
  await expect(alert).toHaveCount(1, { timeout: 60_000 });
  await expect(alert).toHaveAttribute('data-read', 'false');
  await expect(alert).toContainText(/SLA/);
  await expect(alert.locator(`a[href="/agent/t/${number}"]`)).toBeVisible();
  await queue.screenshot({ path: path.join(ARTIFACTS, 'sla-bell.png'), fullPage: true });
  expect(await queue.evaluate(() => window.__marker)).toBe(1);
  // Close the panel: with other alerts listed (assignments from earlier specs) it covers the
  // queue's view tabs.
  await queue.getByTestId('bell-button').click();
  await expect(queue.getByTestId('bell-panel')).toBeHidden();

  // --- "SLA at risk" lists the breached ticket ---
  await queue.getByTestId('queue-views').locator('a[data-view=sla]').click();
  await expect(queue).toHaveURL(/[?&]view=sla/);
  const atRisk = queue.locator(`[data-testid=queue-row][data-number="${number}"]`);
  await expect(atRisk).toBeVisible();
  await expect(atRisk.getByTestId('sla-badge')).toHaveAttribute('data-state', 'breach');

  // --- clean up: the policy goes, so later specs are not timed by it ---
  await policyRow.getByTestId('policy-delete').click();
  await policyRow.getByTestId('policy-delete-yes').click();
  await expect(manage.locator(`[data-testid=policy-row][data-name="${policyName}"]`)).toHaveCount(0);

  await adminCtx.close();
  await customerCtx.close();
});
