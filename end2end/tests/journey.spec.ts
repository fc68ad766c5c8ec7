// The main journey, two browsers side by side against the real server (LOSSLESS_DEMO=1):
// an agent signs in and keeps the queue open; a customer submits /request; the ticket appears
// in the agent's queue without a reload; the agent replies and adds an internal note; the
// customer's portal shows the reply but never the note; the customer answers from the portal
// and the agent sees it live. Screenshots go to end2end/artifacts/ (gitignored).
import { test, expect } from '@playwright/test';
import * as path from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ARTIFACTS, ensureArtifacts, signIn } from './helpers';



test.beforeAll(ensureArtifacts);

test('a web request reaches the live queue, gets answered, and the customer replies', async ({ browser }) => {
  const agentCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const customerCtx = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1000, height: 900 } });
  const agent = await agentCtx.newPage();
  const customer = await customerCtx.newPage();
  const stamp = Date.now();

  // --- agent: sign in, keep the queue open with a live socket ---
  await signIn(agent, '/agent');
  await expect(agent.getByTestId('queue-table').or(agent.getByTestId('queue-empty'))).toBeVisible();
  await expect(agent.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  await agent.evaluate(() => {
    window.__marker = 1;
  });

  // --- customer: the public form (plain HTML) ---
  const subject = `E2E: printer on fire ${stamp}`;
  await customer.goto('/request');
  await customer.locator('[name=name]').fill('Ирина Тестова');
  await customer.locator('[name=email]').fill(`irina.${stamp}@example.com`);
  await customer.locator('[name=phone]').fill('+7 912 345-67-89');
  await customer.locator('[name=subject]').fill(subject);
  await customer.locator('[name=message]').fill('Принтер дымится, помогите, пожалуйста.');
  await customer.locator('button[type=submit]').click();
  await expect(customer).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}\?new=1$/);
  await expect(customer.getByTestId('portal-received')).toBeVisible();
  const number = ((await customer.getByTestId('portal-number').textContent()) ?? '').trim();
  expect(number).toMatch(/^[A-Z0-9]+-\d+$/);
  await expect(customer.getByTestId('portal-received')).toContainText(number);

  // --- agent: the ticket shows up in the already open queue, without navigation ---
  const row = agent.locator(`[data-testid=queue-row][data-number="${number}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText(subject);
  await expect(row).toContainText('Ирина Тестова');
  expect(await agent.evaluate(() => window.__marker)).toBe(1);
  await agent.screenshot({ path: path.join(ARTIFACTS, 'queue.png'), fullPage: true });

  // --- agent: open it, reply publicly, add an internal note ---
  await row.getByText(subject).click();
  await expect(agent).toHaveURL(new RegExp(`/agent/t/${number}$`));
  await expect(agent.getByTestId('ticket-subject')).toHaveText(subject);
  await expect(agent.locator('[data-testid=timeline-message][data-kind=inbound]').first()).toContainText('Принтер дымится');

  const replyText = `Здравствуйте! Уже разбираемся. ${stamp}`;
  await agent.getByTestId('reply-body').fill(replyText);
  await agent.getByTestId('reply-send').click();
  await expect(agent.locator('[data-testid=timeline-message][data-kind=outbound]', { hasText: replyText })).toBeVisible();
  await expect(agent.getByTestId('reply-body')).toHaveValue('');

  const noteText = `INTERNAL-NOTE customer is a VIP ${stamp}`;
  await agent.getByTestId('note-body').fill(noteText);
  await agent.getByTestId('note-send').click();
  await expect(agent.locator('[data-testid=timeline-message][data-kind=note]', { hasText: noteText })).toBeVisible();
  await expect(agent.getByTestId('flash')).toHaveCount(0);
  await agent.screenshot({ path: path.join(ARTIFACTS, 'ticket.png'), fullPage: true });

  // --- customer: the portal shows the reply and never the note ---
  await customer.reload();
  await expect(customer.getByTestId('portal-message').filter({ hasText: replyText })).toBeVisible();
  await expect(customer.getByText(noteText)).toHaveCount(0);
  expect(await customer.content()).not.toContain('INTERNAL-NOTE');

  // --- customer answers from the portal; the agent sees it live ---
  const customerReply = `Спасибо! Но он всё ещё дымится. ${stamp}`;
  await customer.getByTestId('portal-reply-body').fill(customerReply);
  await customer.getByTestId('portal-reply-send').click();
  await expect(customer.getByTestId('portal-message').filter({ hasText: customerReply })).toBeVisible();
  await customer.screenshot({ path: path.join(ARTIFACTS, 'portal.png'), fullPage: true });

  await expect(agent.locator('[data-testid=timeline-message][data-kind=inbound]', { hasText: customerReply })).toBeVisible();
  // Everything after sign-in happened in one document: no reload anywhere on the agent side.
  expect(await agent.evaluate(() => window.__marker)).toBe(1);

  // Sign-out ends the session: the agent area is closed again.
  await agent.getByTestId('sign-out').click();
  await expect(agent).toHaveURL(/\/agent\/login$/);
  await agent.goto('/agent');
  await expect(agent).toHaveURL(/\/agent\/login$/);

  await agentCtx.close();
  await customerCtx.close();
});

test('an unknown portal token is a plain 404 that reveals nothing', async ({ page }) => {
  const res = await page.goto(`/portal/t/${'ab'.repeat(16)}`);
  expect(res?.status()).toBe(404);
  await expect(page.getByTestId('portal-not-found')).toBeVisible();
  const bad = await page.goto('/portal/t/not-a-token');
  expect(bad?.status()).toBe(404);
});

test('sign-in and the portal reply work without JavaScript', async ({ browser }) => {
  const ctx = await browser.newContext({ javaScriptEnabled: false, locale: 'en-US' });
  const page = await ctx.newPage();

  // Wrong password: same page, a message, no session.
  await page.goto('/agent/login');
  await page.getByTestId('login-email').fill(ADMIN_EMAIL);
  await page.getByTestId('login-password').fill('wrong-password');
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('login-error')).toBeVisible();

  await page.getByTestId('login-email').fill(ADMIN_EMAIL);
  await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/agent$/);
  await expect(page.getByTestId('me')).toBeVisible();

  // A request and a portal reply through plain form posts.
  const stamp = Date.now();
  await page.goto('/request');
  await page.locator('[name=name]').fill('No Script');
  await page.locator('[name=email]').fill(`noscript.${stamp}@example.com`);
  await page.locator('[name=message]').fill(`Plain HTML request ${stamp}`);
  await page.locator('button[type=submit]').click();
  await expect(page).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}\?new=1$/);
  const reply = `Plain HTML reply ${stamp}`;
  await page.getByTestId('portal-reply-body').fill(reply);
  await page.getByTestId('portal-reply-send').click();
  await expect(page.getByTestId('portal-message').filter({ hasText: reply })).toBeVisible();
  await ctx.close();
});

test('a change made from a stale version is refused, explained and reloaded', async ({ browser }) => {
  const ctxA = await browser.newContext({ locale: 'en-US' });
  const ctxB = await browser.newContext({ locale: 'en-US' });
  // B gets no live hints (its socket cannot open), so it keeps showing a stale version.
  await ctxB.addInitScript(() => {
    (window as unknown as { WebSocket: unknown }).WebSocket = function () {
      throw new Error('offline for this test');
    };
  });
  const a = await ctxA.newPage();
  const b = await ctxB.newPage();
  await signIn(a, '/agent');
  await signIn(b, '/agent');
  const number = await a.locator('[data-testid=queue-row]').first().getAttribute('data-number');
  expect(number).toBeTruthy();
  for (const p of [a, b]) {
    await p.goto(`/agent/t/${number}`);
    await expect(p.locator('.composers')).toBeVisible(); // hydrated
  }
  const v0 = Number(await b.getByTestId('ticket-head').getAttribute('data-version'));
  const priority = await b.getByTestId('priority-select').inputValue();
  const assignee = await a.getByTestId('assignee-select').inputValue();
  const values = await a.getByTestId('assignee-select').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  const newAssignee = values.find((v) => v !== '' && v !== assignee) ?? '';

  // A hands the ticket over; B, still on the old version, tries to change the priority.
  await a.getByTestId('assignee-select').selectOption(newAssignee);
  await expect(a.getByTestId('ticket-head')).toHaveAttribute('data-version', String(v0 + 1));
  await expect(b.getByTestId('ticket-head')).toHaveAttribute('data-version', String(v0)); // still stale

  await b.getByTestId('priority-select').selectOption(priority === 'urgent' ? 'low' : 'urgent');
  await expect(b.getByTestId('flash')).toHaveAttribute('data-code', 'conflict');
  await expect(b.getByTestId('flash')).toContainText('Someone else changed this ticket');
  // B reloaded the latest version: A's hand-over is shown, B's refused change is not.
  await expect(b.getByTestId('ticket-head')).toHaveAttribute('data-version', String(v0 + 1));
  await expect(b.getByTestId('assignee-select')).toHaveValue(newAssignee);
  await expect(b.getByTestId('priority-select')).toHaveValue(priority);
  await ctxA.close();
  await ctxB.close();
});
