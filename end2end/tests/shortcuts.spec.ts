// Keyboard shortcuts (issue 6) against the real server, keyboard only after signing in:
// in the queue j/k move a visible selection and Enter opens the selected ticket; on the
// ticket r focuses the reply (the r itself is not typed) and typing works, Escape leaves the
// field, n the note, s the status control, a assigns the ticket to me, c opens the canned
// responses; ? shows the help overlay and Escape closes it; u goes back to the queue with the
// row still selected; g then q goes to the queue from anywhere; / focuses the search box.
// Screenshots go to end2end/artifacts/ (gitignored).
import { test, expect } from '@playwright/test';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts, signIn } from './helpers';

test.beforeAll(ensureArtifacts);

test('the queue and a ticket can be worked with the keyboard alone', async ({ browser, request }) => {
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // Two fresh low-priority tickets: the queue sorts by priority, then age, so they are its
  // last two rows whatever ran before (and nobody owns them yet).
  const stamp = Date.now();
  const numbers: string[] = [];
  for (const i of [1, 2]) {
    const r = await request.post('/api/v1/requests', {
      data: {
        name: `Keys ${i}`,
        email: `keys${i}.${stamp}@example.com`,
        message: `Keyboard ticket ${i} ${stamp}`,
        priority: 'low',
      },
    });
    expect(r.status()).toBe(201);
    numbers.push((await r.json()).number);
  }
  const [first, second] = numbers;

  await signIn(page);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  const rows = page.getByTestId('queue-row');
  const row = (n: string) => page.locator(`[data-testid=queue-row][data-number="${n}"]`);
  await expect(row(second)).toBeVisible();
  const order = await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-number')));
  expect(order.slice(-2)).toEqual([first, second]);
  const selected = page.locator('[data-testid=queue-row].kb-selected');
  await expect(selected).toHaveCount(0);

  // With nothing selected k selects the last row; k, j and the arrows move one row at a time.
  await page.keyboard.press('k');
  await expect(selected).toHaveCount(1);
  await expect(selected).toHaveAttribute('data-number', second);
  await page.keyboard.press('k');
  await expect(selected).toHaveAttribute('data-number', first);
  await page.keyboard.press('j');
  await expect(selected).toHaveAttribute('data-number', second);
  // The last row stays selected at the end of the list.
  await page.keyboard.press('j');
  await expect(selected).toHaveAttribute('data-number', second);
  await page.keyboard.press('ArrowUp');
  await expect(selected).toHaveAttribute('data-number', first);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('k');
  await expect(selected).toHaveAttribute('data-number', first);
  await expect(selected).toHaveCount(1);
  await expect(row(first)).toHaveAttribute('data-selected', 'true');
  await expect(row(second)).toHaveAttribute('data-selected', 'false');
  await page.screenshot({ path: path.join(ARTIFACTS, 'shortcuts-queue.png'), fullPage: true });

  // Enter opens it.
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/agent/t/${first}$`));
  await expect(page.getByTestId('ticket-number')).toHaveText(first);

  // r focuses the reply; what is typed lands there, without the r.
  const reply = page.getByTestId('reply-body');
  await page.keyboard.press('r');
  await expect(reply).toBeFocused();
  await page.keyboard.type('Thanks, looking into it');
  await expect(reply).toHaveValue('Thanks, looking into it');
  // Letters typed into the field are not shortcuts: still here, still focused.
  await expect(page).toHaveURL(new RegExp(`/agent/t/${first}$`));
  await page.keyboard.press('Escape');
  await expect(reply).not.toBeFocused();

  // n: the note; s: the status control.
  await page.keyboard.press('n');
  await expect(page.getByTestId('note-body')).toBeFocused();
  await page.keyboard.press('Escape');
  await page.keyboard.press('s');
  await expect(page.getByTestId('status-select')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('status-select')).not.toBeFocused();

  // a: assign to me (the admin). The button goes once the ticket is mine.
  await expect(page.getByTestId('assign-me')).toBeVisible();
  await page.keyboard.press('a');
  await expect(page.getByTestId('assign-me')).toHaveCount(0);
  const me = ((await page.getByTestId('me').textContent()) ?? '').trim();
  await expect(page.getByTestId('assignee-select').locator('option:checked')).toHaveText(me);

  // c: the canned responses picker opens.
  const canned = page.locator('[data-shortcut=canned]');
  await expect(canned).toBeVisible();
  await page.keyboard.press('c');
  await expect(canned).toHaveAttribute('aria-expanded', 'true');
  // Escape closes the picker (which hands the focus back to the reply), Escape again leaves
  // the reply.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await expect(reply).not.toBeFocused();

  // ?: the help overlay, closed with Escape, and again with its button.
  const help = page.getByTestId('shortcuts-help');
  await expect(help).toBeHidden();
  await page.keyboard.press('Shift+Slash');
  await expect(help).toBeVisible();
  await expect(help).toContainText('Keyboard shortcuts');
  await expect(help).toContainText('Write a reply');
  await expect(help).toContainText('Go to the queue');
  await page.screenshot({ path: path.join(ARTIFACTS, 'shortcuts-help.png'), fullPage: true });
  // While the help is open other keys do nothing.
  await page.keyboard.press('u');
  await expect(page).toHaveURL(new RegExp(`/agent/t/${first}$`));
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
  await page.keyboard.press('Shift+Slash');
  await expect(help).toBeVisible();
  await page.getByTestId('shortcuts-close').click();
  await expect(help).toBeHidden();

  // u: back to the queue, the opened row still selected.
  await page.keyboard.press('u');
  await expect(page).toHaveURL(/\/agent$/);
  await expect(selected).toHaveAttribute('data-number', first);

  // o opens too; g then q comes back from the ticket.
  await page.keyboard.press('j');
  await expect(selected).toHaveAttribute('data-number', second);
  await page.keyboard.press('o');
  await expect(page).toHaveURL(new RegExp(`/agent/t/${second}$`));
  await expect(page.getByTestId('ticket-number')).toHaveText(second);
  await page.keyboard.press('g');
  await page.keyboard.press('q');
  await expect(page).toHaveURL(/\/agent$/);

  // /: the search box takes the focus (the slash is not typed into it).
  const search = page.locator('[data-shortcut=search]');
  await expect(search).toBeVisible();
  await page.keyboard.press('/');
  await expect(search).toBeFocused();
  await expect(search).toHaveValue('');
  // In the search box j is a letter, not a shortcut.
  await page.keyboard.type('jk');
  await expect(search).toHaveValue('jk');
  await expect(selected).toHaveAttribute('data-number', second);

  expect(errors).toEqual([]);
  await ctx.close();
});
