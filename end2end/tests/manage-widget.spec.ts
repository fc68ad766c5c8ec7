// Widget sites on /manage/widget (issue 7) against the real server: the admin opens the page
// from the navigation, tries to save an empty site and sees the field errors next to the
// fields (name, allowed origins, a bad bot key), fixes them, saves, gets the embed snippet and
// copies it, edits the site (name, a notice switch, bot rows reordered) and switches it off.
// Screenshots go to end2end/artifacts/ (gitignored).
import { test, expect } from '@playwright/test';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts, signIn } from './helpers';

test.beforeAll(ensureArtifacts);

test('a manager creates a widget site, sees validation errors, edits it and copies the snippet', async ({ browser }) => {
  const ctx = await browser.newContext({
    locale: 'en-US',
    viewport: { width: 1400, height: 1100 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // The refused saves answer 422 on purpose.
    if (m.type() === 'error' && !m.text().includes('status of 422')) errors.push(m.text());
  });
  const stamp = Date.now();
  const name = `Shop ${stamp}`;

  await signIn(page);
  await page.getByTestId('nav-widget').click();
  await expect(page).toHaveURL(/\/manage\/widget$/);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  await expect(page.getByTestId('widget-sites').or(page.getByTestId('widget-sites-empty'))).toBeVisible();

  // --- an empty site is refused field by field ---
  await page.getByTestId('widget-site-new').click();
  const editor = page.getByTestId('widget-editor');
  await expect(editor).toBeVisible();
  await expect(editor.getByTestId('bot-row')).toHaveCount(3);
  await expect(editor.getByTestId('notice-taken')).toBeChecked();
  await editor.getByTestId('bot-row').nth(1).getByTestId('bot-key').fill('Bad Key');
  await editor.getByTestId('widget-save').click();
  await expect(editor.locator('[data-testid=field-error][data-field=name]')).toBeVisible();
  await expect(editor.locator('[data-testid=field-error][data-field=allowed_origins]')).toBeVisible();
  await expect(editor.locator('[data-testid=field-error][data-field="bot.1.key"]')).toBeVisible();
  await expect(editor.getByTestId('widget-saved')).toHaveCount(0);
  await expect(editor.getByTestId('widget-editor-snippet')).toHaveCount(0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'manage-widget-errors.png'), fullPage: true });

  // --- an origin that is not one is refused too; then it saves ---
  await editor.getByTestId('f-name').fill(name);
  await editor.getByTestId('f-allowed_origins').fill('https://shop.example\nnot an origin');
  await editor.getByTestId('bot-row').nth(1).getByTestId('bot-key').fill('order');
  await editor.getByTestId('widget-save').click();
  await expect(editor.locator('[data-testid=field-error][data-field=allowed_origins]')).toBeVisible();
  await expect(editor.locator('[data-testid=field-error][data-field=name]')).toHaveCount(0);
  await expect(editor.locator('[data-testid=field-error][data-field="bot.1.key"]')).toHaveCount(0);
  await editor.getByTestId('f-allowed_origins').fill('https://shop.example\nhttp://localhost:8080');
  await editor.getByTestId('f-colour').fill('#0a7');
  await editor.getByTestId('f-greeting_en').fill('Hello! How can we help?');
  await editor.getByTestId('widget-save').click();
  await expect(editor.getByTestId('widget-saved')).toBeVisible();
  await expect(editor.locator('[data-testid=field-error]')).toHaveCount(0);

  // --- the snippet names the site's key; the copy button copies it ---
  const row = page.locator(`[data-testid=widget-site-row][data-name="${name}"]`);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-active', 'true');
  const key = (await row.getByTestId('widget-site-key').textContent())?.trim() ?? '';
  expect(key).toMatch(/^[a-z0-9_-]{3,64}$/);
  const snippet = editor.getByTestId('widget-editor-snippet').getByTestId('widget-snippet');
  await expect(snippet).toHaveText(new RegExp(`^<script src="https?://[^"]+/widget\\.js" data-site="${key}" async></script>$`));
  await editor.getByTestId('widget-editor-snippet').getByTestId('widget-copy').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await snippet.textContent());
  await page.screenshot({ path: path.join(ARTIFACTS, 'manage-widget-saved.png'), fullPage: true });

  // --- edit: a new name, reminders off, the screenshot question first ---
  await editor.getByText('Close').click();
  await expect(editor).toHaveCount(0);
  await row.getByTestId('widget-site-edit').click();
  await expect(editor).toBeVisible();
  await expect(editor.getByTestId('f-name')).toHaveValue(name);
  await expect(editor.getByTestId('f-colour')).toHaveValue('#00aa77');
  await expect(editor.getByTestId('f-allowed_origins')).toHaveValue('https://shop.example\nhttp://localhost:8080');
  await expect(editor.getByTestId('widget-editor-snippet')).toBeVisible();
  await editor.getByTestId('f-name').fill(`${name} EU`);
  await editor.getByTestId('notice-reminder').uncheck();
  await editor.getByTestId('bot-row').nth(2).getByTestId('bot-up').click();
  await editor.getByTestId('bot-row').nth(1).getByTestId('bot-up').click();
  await expect(editor.getByTestId('bot-row').first().getByTestId('bot-key')).toHaveValue('screenshot');
  await editor.getByTestId('widget-save').click();
  await expect(editor.getByTestId('widget-saved')).toBeVisible();
  const renamed = page.locator(`[data-testid=widget-site-row][data-name="${name} EU"]`);
  await expect(renamed).toBeVisible();
  await expect(renamed.getByTestId('widget-site-key')).toHaveText(key);

  // --- reopened, the edit stuck ---
  await page.reload();
  await page.locator(`[data-testid=widget-site-row][data-name="${name} EU"]`).getByTestId('widget-site-edit').click();
  await expect(editor.getByTestId('notice-reminder')).not.toBeChecked();
  await expect(editor.getByTestId('notice-resolved')).toBeChecked();
  await expect(editor.getByTestId('bot-row').first().getByTestId('bot-key')).toHaveValue('screenshot');

  // --- switched off ---
  const saved = page.locator(`[data-testid=widget-site-row][data-name="${name} EU"]`);
  await saved.getByTestId('widget-site-toggle').click();
  await expect(saved).toHaveAttribute('data-active', 'false');
  await expect(saved.getByTestId('widget-site-state')).toHaveText('Off');
  await page.screenshot({ path: path.join(ARTIFACTS, 'manage-widget.png'), fullPage: true });
  expect(errors).toEqual([]);
  await ctx.close();
});
