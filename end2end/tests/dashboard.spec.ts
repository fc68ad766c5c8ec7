// The manager dashboard against the real server (issue 6): the admin (a manager) opens
// /manage from the navigation and sees the team's load, the group queues, the unassigned
// tickets and the SLA-at-risk list. Older unassigned tickets (the demo data, other specs) are
// first handed to a demo agent right from the list, until nobody's ticket is left. A
// customer then submits the public form; the new request appears in the open dashboard
// without a reload, the admin hands it to Анна Смирнова in place, the row leaves the
// unassigned list, the status line confirms it and Анна's count goes up. Screenshots go to
// end2end/artifacts/ (gitignored).
import { test, expect } from '@playwright/test';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts, signIn } from './helpers';

test.beforeAll(ensureArtifacts);

test('a manager sees a new request live on the dashboard and reassigns it in place', async ({ browser }) => {
  test.setTimeout(180_000);
  const adminCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } });
  const customerCtx = await browser.newContext({ locale: 'ru-RU' });
  const manage = await adminCtx.newPage();
  const customer = await customerCtx.newPage();
  const stamp = Date.now();

  const errors: string[] = [];
  manage.on('pageerror', (e) => errors.push(e.message));
  manage.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });

  // --- admin: the dashboard from the navigation, live ---
  await signIn(manage);
  await manage.getByTestId('nav-dashboard').click();
  await expect(manage).toHaveURL(/\/manage$/);
  await expect(manage.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  for (const section of ['board-agents', 'board-groups', 'board-unassigned', 'board-at-risk']) {
    await expect(manage.getByTestId(section)).toBeVisible();
  }
  // The other managers' screens stay one click away.
  for (const link of ['nav-channels', 'nav-rules', 'nav-sla', 'nav-calendars', 'nav-team']) {
    await expect(manage.getByTestId(link)).toBeVisible();
  }
  const anna = manage.locator('[data-testid=board-agent]').filter({ hasText: 'Анна Смирнова' });
  await expect(anna).toHaveCount(1);
  await expect(manage.locator('[data-testid=board-group]').filter({ hasText: 'Поддержка' })).toHaveCount(1);

  const unassignedTotal = manage.getByTestId('board-total-unassigned').locator('.board-tile-value');

  // --- admin: hand the older unassigned tickets to Борис, in place, oldest first ---
  const unassigned = manage.locator('[data-testid=board-unassigned] [data-testid=board-ticket]');
  for (let i = 0; i < 200 && (await unassigned.count()) > 0; i++) {
    const first = unassigned.first();
    const number = await first.getAttribute('data-number');
    await first.getByTestId('board-assign').selectOption({ label: 'Борис Петров' });
    await expect(
      manage.locator(`[data-testid=board-unassigned] [data-testid=board-ticket][data-number="${number}"]`),
    ).toHaveCount(0);
  }
  await expect(manage.getByTestId('board-unassigned-none')).toBeVisible();
  await expect(unassignedTotal).toHaveText('0');
  const annaOpen = anna.getByTestId('board-agent-open');
  const before = Number((await annaOpen.textContent())?.trim());
  expect(Number.isInteger(before)).toBe(true);
  await manage.evaluate(() => {
    window.__marker = 1;
  });

  // --- customer: the public form ---
  const subject = `Не приходит счёт ${stamp}`;
  await customer.goto('/request');
  await customer.locator('[name=name]').fill('Павел Обзоров');
  await customer.locator('[name=email]').fill(`pavel.${stamp}@example.com`);
  await customer.locator('[name=subject]').fill(subject);
  await customer.locator('[name=message]').fill('Добрый день! Счёт за ноябрь так и не пришёл на почту.');
  await customer.locator('button[type=submit]').click();
  await expect(customer).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}\?new=1$/);
  const number = ((await customer.getByTestId('portal-number').textContent()) ?? '').trim();
  expect(number).toMatch(/^[A-Z0-9]+-\d+$/);

  // --- admin: it appears in the open dashboard, without a reload ---
  const row = manage.locator(`[data-testid=board-unassigned] [data-testid=board-ticket][data-number="${number}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText(subject);
  await expect(row).toContainText('Павел Обзоров');
  await expect(row.getByTestId('board-assign')).toHaveValue('');
  await expect(unassignedTotal).toHaveText('1');
  await expect(manage.locator('[data-testid=board-group][data-group=none] [data-testid=board-group-unassigned]')).toHaveText('1');
  expect(await manage.evaluate(() => window.__marker)).toBe(1);
  await manage.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });

  // --- admin: reassign it in place to Анна ---
  await row.getByTestId('board-assign').selectOption({ label: 'Анна Смирнова' });
  const flash = manage.getByTestId('board-flash');
  await expect(flash).toHaveAttribute('data-ok', 'true');
  await expect(flash).toContainText(number);
  await expect(flash).toContainText('Анна Смирнова');
  await expect(row).toHaveCount(0);
  await expect(manage.getByTestId('board-unassigned-none')).toBeVisible();
  await expect(annaOpen).toHaveText(String(before + 1));
  await expect(unassignedTotal).toHaveText('0');
  expect(await manage.evaluate(() => window.__marker)).toBe(1);
  await manage.screenshot({ path: path.join(ARTIFACTS, 'dashboard-reassigned.png'), fullPage: true });

  // The ticket page agrees: Анна owns it, and history says who handed it over.
  await manage.goto(`/agent/t/${number}`);
  await expect(manage.getByTestId('ticket-subject')).toHaveText(subject);
  await expect(manage.locator('body')).toContainText('Анна Смирнова');

  expect(errors).toEqual([]);
  await adminCtx.close();
  await customerCtx.close();
});
