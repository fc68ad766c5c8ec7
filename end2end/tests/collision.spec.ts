// Collision detection (issue 6) against the real server (LOSSLESS_DEMO=1): two demo agents,
// Anna and Boris, each in their own browser, open the same new ticket. Boris sees
// "Anna … is viewing" (and she sees him), Anna types a reply and Boris sees her typing,
// she stops and he sees her viewing again; she goes back to the queue and the bar on
// Boris's page disappears; she opens the ticket again and closes her tab, and it disappears
// again (the page says "left" while it closes). The queue shows an eye on the row someone
// else has open. Screenshots go to end2end/artifacts/ (gitignored).
import { test, expect, type Page } from '@playwright/test';
import * as path from 'node:path';
import { ARTIFACTS, ensureArtifacts } from './helpers';

test.beforeAll(ensureArtifacts);

const DEMO_PASSWORD = 'demo-password';

async function signInAs(page: Page, email: string): Promise<void> {
  await page.goto('/agent/login');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/agent$/);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
}

test('two agents on one ticket see each other view, type and leave', async ({ browser, request }) => {
  test.setTimeout(120_000);
  const annaCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const borisCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const anna = await annaCtx.newPage();
  const boris = await borisCtx.newPage();
  const errors: string[] = [];
  for (const p of [anna, boris]) {
    p.on('pageerror', (e) => errors.push(e.message));
  }

  const stamp = Date.now();
  const created = await request.post('/api/v1/requests', {
    data: { name: 'Collision Test', email: `collision.${stamp}@example.com`, message: `Two agents, one ticket ${stamp}` },
  });
  expect(created.status()).toBe(201);
  const number: string = (await created.json()).number;

  await signInAs(boris, 'boris@demo.lossless.local');
  await signInAs(anna, 'anna@demo.lossless.local');

  // Boris opens the ticket first: nobody else is there.
  await boris.goto(`/agent/t/${number}`);
  await expect(boris.getByTestId('ticket-number')).toHaveText(number);
  await expect(boris.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  await expect(boris.getByTestId('collision')).toHaveCount(0);

  // Anna opens it from her queue: each sees the other.
  const row = anna.locator(`[data-testid=queue-row][data-number="${number}"]`);
  await expect(row).toBeVisible();
  // Boris has it open: her queue marks the row.
  await expect(row.getByTestId('queue-viewed')).toBeVisible();
  await expect(row.getByTestId('queue-viewed')).toHaveAttribute('title', /Борис Петров/);
  await row.getByTestId('queue-viewed').screenshot({ path: path.join(ARTIFACTS, 'collision-queue-eye.png') });
  await row.locator('td.num a').click();
  await expect(anna).toHaveURL(new RegExp(`/agent/t/${number}$`));
  const seenByBoris = boris.getByTestId('collision');
  await expect(seenByBoris).toBeVisible();
  await expect(seenByBoris).toContainText('Анна Смирнова is viewing');
  await expect(anna.getByTestId('collision')).toContainText('Борис Петров is viewing');

  // Anna types a reply: Boris sees her typing.
  await anna.getByTestId('reply-body').pressSequentially('Hello, we are on it', { delay: 20 });
  const annaOnBoris = boris.locator('[data-testid=collision-viewer]', { hasText: 'Анна Смирнова' });
  await expect(annaOnBoris).toHaveAttribute('data-activity', 'typing_reply');
  await expect(annaOnBoris).toHaveText('Анна Смирнова is typing a reply…');
  await boris.screenshot({ path: path.join(ARTIFACTS, 'collision-typing.png'), fullPage: true });

  // She stops typing: after a few quiet seconds she is only viewing again.
  await expect(annaOnBoris).toHaveAttribute('data-activity', 'viewing', { timeout: 15_000 });

  // She goes back to the queue inside the app: Boris's bar goes away.
  await anna.getByText('← Back to queue').click();
  await expect(anna).toHaveURL(/\/agent$/);
  await expect(seenByBoris).toHaveCount(0);

  // She opens it again and closes the tab: gone again.
  await anna.goto(`/agent/t/${number}`);
  await expect(seenByBoris).toContainText('Анна Смирнова is viewing');
  await anna.close();
  await expect(seenByBoris).toHaveCount(0);

  expect(errors).toEqual([]);
  await annaCtx.close();
  await borisCtx.close();
});
