// Automation rules against the real server: the admin opens /manage/rules from the
// navigation, gets a row error for an empty keyword list, builds "Keyword urgent <stamp>"
// (when a ticket is created, if the subject or body has the made-up word — in any English
// word form — then priority urgent and assign to the admin), tries it and saves it. A customer
// then submits the public form with the word in its subject (as a plural: word forms match),
// and the admin's already open queue shows the ticket as urgent and theirs without a reload;
// the ticket's history names the rule. Finally the rule is deleted (after the confirmation).
// Screenshots go to end2end/artifacts/ (gitignored).
import { test, expect } from '@playwright/test';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts, signIn, uniqueWord } from './helpers';

test.beforeAll(ensureArtifacts);

test('a keyword rule sets the priority and the owner of a new web request, live', async ({ browser }) => {
  const adminCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 1000 } });
  const customerCtx = await browser.newContext({ locale: 'ru-RU' });
  const rules = await adminCtx.newPage();
  const queue = await adminCtx.newPage();
  const customer = await customerCtx.newPage();
  const stamp = Date.now();
  const word = uniqueWord(stamp, 'vok');
  const ruleName = `Keyword urgent ${stamp}`;

  // --- admin: the queue stays open in one tab (live) ---
  await signIn(queue, '/agent');
  await expect(queue.getByTestId('queue-table').or(queue.getByTestId('queue-empty'))).toBeVisible();
  await expect(queue.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  const me = ((await queue.getByTestId('me').textContent()) ?? '').trim();
  expect(me).not.toBe('');
  await queue.evaluate(() => {
    window.__marker = 1;
  });

  // --- admin: the rules page from the navigation (hydrated: the live socket is open) ---
  await rules.goto('/agent');
  await rules.getByTestId('nav-rules').click();
  await expect(rules).toHaveURL(/\/manage\/rules$/);
  await expect(rules.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  await expect(rules.getByTestId('rule-table').or(rules.getByTestId('rules-empty'))).toBeVisible();
  // Rendered on the server and hydrated: no hydration errors, the buttons work.
  const errors: string[] = [];
  rules.on('console', (m) => {
    // The refused save below answers 422 on purpose; anything else is a fault.
    if (m.type() === 'error' && !m.text().includes('status of 422')) errors.push(m.text());
  });
  rules.on('pageerror', (e) => errors.push(e.message));
  await rules.reload();
  await expect(rules.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  await expect(rules.getByTestId('rule-table').or(rules.getByTestId('rules-empty'))).toBeVisible();

  await rules.getByTestId('rule-new').click();
  const editor = rules.getByTestId('rule-editor');
  await expect(editor).toBeVisible();
  await expect(rules.getByTestId('rule-form-title')).toHaveText('New rule');
  await rules.getByTestId('rule-name-input').fill(ruleName);
  await expect(rules.getByTestId('rule-activator')).toHaveValue('created');

  // A keyword row left empty is refused and named next to its row.
  await rules.getByTestId('cond-add').click();
  const cond = editor.getByTestId('cond-row').first();
  await expect(cond.getByTestId('cond-kind')).toHaveValue('keywords');
  await rules.getByTestId('rule-save').click();
  await expect(cond.locator('[data-testid=field-error][data-field=cond]')).toBeVisible();
  await expect(rules.getByTestId('rule-saved')).toHaveCount(0);

  await cond.getByTestId('cond-value').fill(word);
  await expect(cond).toContainText('word forms');

  // Actions: priority urgent, then assign to the admin.
  const actions = editor.getByTestId('action-row');
  await expect(actions).toHaveCount(1);
  await actions.nth(0).getByTestId('action-kind').selectOption('set_priority');
  await actions.nth(0).getByTestId('action-value').selectOption('urgent');
  await rules.getByTestId('action-add').click();
  await expect(actions).toHaveCount(2);
  await actions.nth(1).getByTestId('action-kind').selectOption('assign');
  await actions.nth(1).getByTestId('action-value').selectOption({ label: me });

  // "Try it" over recent tickets: nothing has the made-up word yet.
  await rules.getByTestId('rule-try').click();
  await expect(rules.getByTestId('try-summary')).toContainText(/^0 of \d+ recent tickets match$/);

  await rules.getByTestId('rule-save').click();
  await expect(rules.getByTestId('rule-saved')).toBeVisible();
  await expect(editor.locator('[data-testid=field-error]')).toHaveCount(0);
  const row = rules.locator(`[data-testid=rule-row][data-name="${ruleName}"]`);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-enabled', 'true');
  await rules.screenshot({ path: path.join(ARTIFACTS, 'rules.png'), fullPage: true });
  expect(errors).toEqual([]);

  // Edit reads the stored rule back into the form.
  await rules.getByTestId('rule-close').click();
  await expect(editor).toHaveCount(0);
  await row.getByTestId('rule-edit').click();
  await expect(rules.getByTestId('rule-form-title')).toHaveText(`Rule “${ruleName}”`);
  await expect(rules.getByTestId('rule-name-input')).toHaveValue(ruleName);
  await expect(editor.getByTestId('cond-row').first().getByTestId('cond-value')).toHaveValue(word);
  await expect(actions.nth(0).getByTestId('action-value')).toHaveValue('urgent');
  await expect(actions.nth(1).getByTestId('action-kind')).toHaveValue('assign');

  // --- customer: the public form, the word in a plural form ---
  const subject = `Printer ${word}s again ${stamp}`;
  await customer.goto('/request');
  await customer.locator('[name=name]').fill('Пётр Правилов');
  await customer.locator('[name=email]').fill(`petr.${stamp}@example.com`);
  await customer.locator('[name=subject]').fill(subject);
  await customer.locator('[name=message]').fill('Опять не печатает.');
  await customer.locator('button[type=submit]').click();
  await expect(customer).toHaveURL(/\/portal\/t\/[0-9a-f]{32,}\?new=1$/);
  const number = ((await customer.getByTestId('portal-number').textContent()) ?? '').trim();
  expect(number).toMatch(/^[A-Z0-9]+-\d+$/);

  // --- admin: the open queue shows it urgent and theirs, without a reload ---
  const ticket = queue.locator(`[data-testid=queue-row][data-number="${number}"]`);
  await expect(ticket).toBeVisible();
  await expect(ticket).toHaveClass(/prio-urgent/);
  await expect(ticket).toContainText(me);
  expect(await queue.evaluate(() => window.__marker)).toBe(1);
  await queue.screenshot({ path: path.join(ARTIFACTS, 'rules-queue.png'), fullPage: true });

  // The ticket's history names the rule that did it.
  await ticket.getByText(subject).click();
  await expect(queue).toHaveURL(new RegExp(`/agent/t/${number}$`));
  await expect(queue.locator('[data-testid=timeline-event][data-kind=rule_fired]', { hasText: ruleName })).toHaveCount(1);
  await expect(
    queue.locator('[data-testid=timeline-event][data-kind=priority_changed]', { hasText: ruleName }),
  ).toBeVisible();
  // The same history rendered by the server.
  await queue.reload();
  await expect(queue.locator('[data-testid=timeline-event][data-kind=rule_fired]', { hasText: ruleName })).toHaveCount(1);
  await expect(
    queue.locator('[data-testid=timeline-event][data-kind=assigned]', { hasText: ruleName }),
  ).toBeVisible();

  // "Try it" now finds that ticket and says what would change.
  await rules.getByTestId('rule-try').click();
  const tried = rules.locator(`[data-testid=try-row][data-number="${number}"]`);
  await expect(tried).toBeVisible();
  await expect(rules.getByTestId('try-summary')).toContainText(/^1 of \d+ recent tickets match$/);

  // --- admin: switch it off, then delete it after the confirmation ---
  await row.getByTestId('rule-enabled').uncheck();
  await expect(row).toHaveAttribute('data-enabled', 'false');
  await row.getByTestId('rule-delete').click();
  await expect(row.getByTestId('rule-confirm')).toBeVisible();
  await row.getByTestId('rule-delete-yes').click();
  await expect(rules.locator(`[data-testid=rule-row][data-name="${ruleName}"]`)).toHaveCount(0);

  await adminCtx.close();
  await customerCtx.close();
});
