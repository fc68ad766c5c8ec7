// The site widget (issue 7) against the real server (LOSSLESS_DEMO=1), embedded in a host
// page served from ANOTHER origin: a tiny static server in this spec on 127.0.0.2 serves
// pages with the embed snippet `<script src="http://127.0.0.1:<port>/widget.js"
// data-site="KEY" async>`. The visitor's browser blocks third-party cookies and storage
// (Chromium 156 as Debian ships it does so under Playwright already — the frame's
// `document.hasStorageAccess()` is false and its `localStorage` throws — and we pass
// `--test-third-party-cookie-phaseout` on top so the test does not depend on that default);
// the test asserts this inside the frame, so every journey below shows the widget working
// without third-party storage: the visitor token lives in the host page's own storage.
//
// Sites are created by the admin through /manage/widget. Journeys: live chat with an agent
// in another browser (both directions, typing both ways, the visitor's page on the ticket,
// the unread count while the widget is closed, a reload of the host page restores the
// conversation, Esc closes); the request form with its reason when the only online agent
// steps away; the request form when chat is off (field errors, then a ticket); the
// callback form (field errors, then a `callback` ticket); the bot questionnaire pre-filling
// the ticket (subject, body, order number, screenshot) and "talk to a person". Also the
// loader's size (gzip -9 ≤ 10 KB), the frame's headers, and a 404 for an unknown key.
// Screenshots go to end2end/artifacts/ (gitignored).
import { test, expect, chromium, type Browser, type BrowserContext, type Frame, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { ARTIFACTS, ensureArtifacts, signIn } from './helpers';

const LOSSLESS = `http://127.0.0.1:${Number(process.env.LOSSLESS_E2E_PORT ?? 3311)}`;
const DEMO_PASSWORD = 'demo-password';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

let hostServer: http.Server;
let HOST = '';
let visitorBrowser: Browser;

/** The host page: the embed snippet, and a log of what the widget tells the page. */
function hostPage(title: string, key: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><h1>${title}</h1><p>A shop page that embeds the Lossless widget.</p>
<script>window.__widget = [];
window.addEventListener('message', function (e) {
  if (e.origin === ${JSON.stringify(LOSSLESS)} && e.data && e.data.type) window.__widget.push(e.data);
});</script>
<script src="${LOSSLESS}/widget.js" data-site="${key}" async></script></body></html>`;
}

test.beforeAll(async () => {
  ensureArtifacts();
  hostServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.2');
    const key = (url.searchParams.get('site') ?? '').replace(/[^a-z0-9_-]/g, '');
    const title = url.pathname === '/delivery' ? 'Delivery terms' : 'Blue teapot — product page';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(hostPage(title, key));
  });
  await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.2', resolve));
  const addr = hostServer.address();
  if (!addr || typeof addr === 'string') throw new Error('host server has no port');
  HOST = `http://127.0.0.2:${addr.port}`;
  visitorBrowser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--test-third-party-cookie-phaseout'],
  });
});

test.afterAll(async () => {
  await visitorBrowser?.close();
  await new Promise<void>((resolve) => hostServer.close(() => resolve()));
});

interface SiteSpec {
  name: string;
  chat: boolean;
  callback: boolean;
  bot: boolean;
}

/** Creates a site through /manage/widget (the admin is signed in on `page`); its key. */
async function createSite(page: Page, s: SiteSpec): Promise<string> {
  await page.goto('/manage/widget');
  await page.getByTestId('widget-site-new').click();
  const editor = page.getByTestId('widget-editor');
  await expect(editor).toBeVisible();
  await editor.getByTestId('f-name').fill(s.name);
  await editor.getByTestId('f-allowed_origins').fill(HOST);
  await editor.getByTestId('widget-chat').setChecked(s.chat);
  await editor.getByTestId('widget-callback').setChecked(s.callback);
  if (!s.bot) {
    const rows = editor.getByTestId('bot-row');
    while ((await rows.count()) > 0) {
      await rows.first().getByTestId('bot-remove').click();
    }
  } else {
    await expect(editor.getByTestId('bot-row')).toHaveCount(3);
  }
  await editor.getByTestId('widget-save').click();
  await expect(editor.getByTestId('widget-saved')).toBeVisible();
  const row = page.locator(`[data-testid=widget-site-row][data-name="${s.name}"]`);
  await expect(row).toBeVisible();
  const key = (await row.getByTestId('widget-site-key').innerText()).trim();
  expect(key).toMatch(/^[a-z0-9_-]{3,64}$/);
  return key;
}

async function signInAgent(page: Page, email: string): Promise<void> {
  await page.goto('/agent/login');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/agent$/);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
}

/** A new visitor (own context, English) on the host page of `key`. */
async function visit(key: string, pathname = '/'): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await visitorBrowser.newContext({ locale: 'en-US', viewport: { width: 1200, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => {
    throw e;
  });
  await page.goto(`${HOST}${pathname}?site=${key}`);
  return { ctx, page };
}

/** The widget's frame on a host page (its iframe sits in a closed shadow root, so it is
 * found among the page's frames, as a visitor's browser would). */
async function widgetFrame(page: Page, key: string): Promise<Frame> {
  await expect
    .poll(() => page.frames().some((f) => f.url().includes(`/widget/v1/frame/${key}`)), { timeout: 15_000 })
    .toBe(true);
  const frame = page.frames().find((f) => f.url().includes(`/widget/v1/frame/${key}`));
  if (!frame) throw new Error('no widget frame');
  await page.waitForFunction(() => (window as any).__widget.some((m: any) => m.type === 'lossless:ready'));
  return frame;
}

async function openWidget(page: Page): Promise<void> {
  await page.evaluate(() => (window as any).Lossless.open());
}

test('the loader is small and the frame only embeds where allowed', async ({ request }) => {
  const loader = fs.readFileSync(path.resolve(__dirname, '..', '..', 'public', 'widget.js'));
  const gz = zlib.gzipSync(loader, { level: 9 }).length;
  console.log(`widget.js: ${loader.length} bytes, ${gz} bytes gzip -9`);
  expect(gz).toBeLessThanOrEqual(10 * 1024);

  const served = await request.get('/widget.js');
  expect(served.status()).toBe(200);
  expect(served.headers()['cache-control']).toContain('max-age=');
  expect(served.headers()['content-type']).toContain('javascript');

  const missing = await request.get('/widget/v1/frame/no-such-site?lang=en');
  expect(missing.status()).toBe(404);
  expect(await missing.text()).toContain('This chat is not available.');
});

test('a visitor chats live with an agent, across a reload, without third-party storage', async ({ browser }) => {
  test.setTimeout(180_000);
  const stamp = Date.now();
  const adminCtx = await browser.newContext({ locale: 'en-US' });
  const admin = await adminCtx.newPage();
  await signIn(admin);
  const key = await createSite(admin, { name: `Chat shop ${stamp}`, chat: true, callback: true, bot: false });

  // The frame's headers: only the host origin may embed it.
  const frameRes = await admin.request.get(`/widget/v1/frame/${key}?lang=en`);
  expect(frameRes.status()).toBe(200);
  expect(frameRes.headers()['content-security-policy']).toContain(`frame-ancestors ${HOST}`);
  expect(frameRes.headers()['x-frame-options']).toBeUndefined();

  // Anna is online, so chat is offered.
  const annaCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const anna = await annaCtx.newPage();
  await signInAgent(anna, 'anna@demo.lossless.local');
  await anna.getByTestId('presence-select').selectOption('online');
  await expect(anna.getByTestId('presence')).toHaveAttribute('data-effective', 'online');

  const { ctx, page } = await visit(key);
  const frame = await widgetFrame(page, key);
  // Third-party storage is blocked for the frame in this browser.
  expect(await frame.evaluate(() => document.hasStorageAccess())).toBe(false);
  expect(
    await frame.evaluate(() => {
      try {
        localStorage.setItem('probe', '1');
        return 'allowed';
      } catch {
        return 'blocked';
      }
    }),
  ).toBe('blocked');

  // The launcher button is the page's only focusable element: keyboard opens the widget.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  const composer = frame.getByTestId('wf-composer');
  await expect(composer).toBeVisible();
  await expect(composer).toBeFocused();
  await composer.pressSequentially('Hello! Is the blue teapot in stock?', { delay: 10 });
  await frame.getByTestId('wf-send').click();
  const log = frame.getByTestId('wf-log');
  await expect(log.getByTestId('wf-msg').filter({ hasText: 'Is the blue teapot in stock?' })).toBeVisible();
  await expect(frame.getByTestId('wf-thread')).toHaveText(/Request \S+/);
  const number = (await frame.getByTestId('wf-thread').innerText()).replace('Request ', '').trim();

  // The agent opens the ticket: the message, the page the visitor is on.
  await anna.goto(`/agent/t/${number}`);
  await expect(anna.getByTestId('ticket-number')).toHaveText(number);
  await expect(anna.getByTestId('timeline')).toContainText('Is the blue teapot in stock?');
  const visitor = anna.getByTestId('visitor');
  await expect(visitor).toBeVisible();
  await expect(visitor.getByTestId('visitor-page')).toHaveText('Blue teapot — product page');
  await expect(visitor.getByTestId('visitor-page')).toHaveAttribute('href', `${HOST}/?site=${key}`);

  // The visitor types: the agent sees it live.
  await composer.pressSequentially('And in green', { delay: 40 });
  await expect(visitor.getByTestId('visitor-typing')).toBeVisible();
  await anna.screenshot({ path: path.join(ARTIFACTS, 'widget-agent-visitor-typing.png'), fullPage: true });

  // The agent types: the visitor sees "Support is typing…"; the reply arrives instantly.
  await anna.getByTestId('reply-body').pressSequentially('Yes, it is in stock', { delay: 30 });
  await expect(frame.getByTestId('wf-typing')).toBeVisible();
  await anna.getByTestId('reply-send').click();
  const reply = log.getByTestId('wf-msg').filter({ hasText: 'Yes, it is in stock' });
  await expect(reply).toBeVisible();
  await expect(reply).toHaveAttribute('data-mine', '0');
  await expect(frame.getByTestId('wf-typing')).toBeHidden();

  // The visitor's second message reaches the agent's open page without a reload.
  await composer.press('Enter');
  await expect(anna.getByTestId('timeline')).toContainText('And in green');

  // A file goes with a message: uploaded first, then sent; the agent gets it on the ticket.
  await frame.getByTestId('wf-attach').setInputFiles({ name: 'my-teapot.png', mimeType: 'image/png', buffer: PNG });
  await expect(frame.getByTestId('wf-chips')).toContainText('my-teapot.png');
  await composer.fill('This is the one I have');
  await frame.getByTestId('wf-send').click();
  await expect(log.getByTestId('wf-msg').filter({ hasText: 'This is the one I have' })).toContainText('my-teapot.png');
  await expect(anna.getByTestId('timeline')).toContainText('This is the one I have');
  await expect(anna.getByTestId('attachment').filter({ hasText: 'my-teapot.png' })).toBeVisible();
  await page.screenshot({ path: path.join(ARTIFACTS, 'widget-visitor-chat.png') });

  // The visitor moves to another page of the shop: the agent sees where they are.
  await page.evaluate(() => {
    history.pushState({}, '', '/delivery' + location.search);
    document.title = 'Delivery terms';
  });
  await expect(visitor.getByTestId('visitor-page')).toHaveText('Delivery terms', { timeout: 15_000 });

  // Closed widget: a new reply counts as unread for the loader's badge.
  await page.evaluate(() => (window as any).Lossless.close());
  await anna.getByTestId('reply-body').fill('Green ships next week');
  await anna.getByTestId('reply-send').click();
  await page.waitForFunction(() =>
    (window as any).__widget.some((m: any) => m.type === 'lossless:unread' && m.count === 1),
  );

  // A reload of the host page brings the whole conversation back (the token is in the host
  // page's own storage).
  await page.reload();
  const again = await widgetFrame(page, key);
  await openWidget(page);
  const log2 = again.getByTestId('wf-log');
  // The visitor's three messages, the agent's two replies (and the automatic notices).
  await expect(log2.locator('[data-testid=wf-msg][data-mine="1"]')).toHaveCount(3);
  await expect(log2).toContainText('my-teapot.png');
  await expect(log2.locator('[data-testid=wf-msg][data-mine="0"]', { hasText: 'Анна Смирнова' })).toHaveCount(2);
  await expect(log2).toContainText('Is the blue teapot in stock?');
  await expect(log2).toContainText('And in green');
  await expect(log2).toContainText('Yes, it is in stock');
  await expect(log2).toContainText('Green ships next week');
  await expect(again.getByTestId('wf-thread')).toHaveText(`Request ${number}`);
  // The reloaded page reports where the visitor is.
  await expect(visitor.getByTestId('visitor-page')).toHaveText('Delivery terms');
  await expect(visitor.getByTestId('visitor-page')).toHaveAttribute('href', `${HOST}/delivery?site=${key}`);

  // Esc inside the widget closes it (the loader hides the frame).
  await again.getByTestId('wf-composer').press('Escape');
  await page.waitForFunction(() => (window as any).__widget.some((m: any) => m.type === 'lossless:close'));

  // Anna steps away and nobody else is online: a new visitor gets the request form, and why.
  await anna.getByTestId('presence-select').selectOption('away');
  await expect(anna.getByTestId('presence')).toHaveAttribute('data-effective', 'away');
  const late = await visit(key);
  const lateFrame = await widgetFrame(late.page, key);
  await openWidget(late.page);
  await expect(lateFrame.getByTestId('wf-request-form')).toBeVisible();
  await expect(lateFrame.getByTestId('wf-offline-note')).toHaveText(
    'Nobody is available right now. Leave a message and we will answer by email.',
  );
  await late.page.screenshot({ path: path.join(ARTIFACTS, 'widget-nobody-available.png') });
  await late.ctx.close();

  await ctx.close();
  await annaCtx.close();
  await adminCtx.close();
});

test('with chat off the widget takes a request, and a callback, both reach the agents', async ({ browser }) => {
  test.setTimeout(120_000);
  const stamp = Date.now();
  const adminCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const admin = await adminCtx.newPage();
  await signIn(admin);
  const key = await createSite(admin, { name: `Offline shop ${stamp}`, chat: false, callback: true, bot: false });

  const { ctx, page } = await visit(key);
  const frame = await widgetFrame(page, key);
  await openWidget(page);
  const form = frame.getByTestId('wf-request-form');
  await expect(form).toBeVisible();
  await expect(frame.getByTestId('wf-offline-note')).toHaveText('Leave us a message and we will answer by email.');

  // Field errors come back from the server next to the fields.
  await form.getByLabel('Email').fill('not-an-address');
  await frame.getByTestId('wf-request-send').click();
  await expect(frame.getByTestId('wf-err-email')).toHaveText('Please check this value');
  await expect(frame.getByTestId('wf-err-body')).toHaveText('Please fill this in');
  await expect(form.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
  await page.screenshot({ path: path.join(ARTIFACTS, 'widget-request-errors.png') });

  await form.getByLabel('Your name').fill('Olga Offline');
  await form.getByLabel('Email').fill(`olga.${stamp}@example.com`);
  await form.getByLabel('Message').fill(`Do you deliver to Kazan? ${stamp}`);
  await frame.getByTestId('wf-request-send').click();
  const done = frame.getByTestId('wf-done');
  await expect(done).toContainText('We will answer by email.');
  const requestNumber = /Request (\S+) is received/.exec(await done.innerText())?.[1] ?? '';
  expect(requestNumber).not.toBe('');

  // The callback form.
  await frame.getByRole('button', { name: 'Back' }).click();
  await frame.getByTestId('wf-callback-open').click();
  const cb = frame.getByTestId('wf-callback-form');
  await expect(cb).toBeVisible();
  await cb.getByLabel('Your name').fill('Pavel Phone');
  await cb.getByLabel('Phone').fill('call me maybe');
  await frame.getByTestId('wf-callback-send').click();
  await expect(frame.getByTestId('wf-err-phone')).toHaveText('Please check this value');
  await cb.getByLabel('Phone').fill('+7 912 345-67-89');
  await cb.getByLabel('When to call').fill('today after 6 pm');
  await cb.getByLabel('Topic').fill(`Wholesale order ${stamp}`);
  await frame.getByTestId('wf-callback-send').click();
  await expect(done).toContainText('We will call you back.');
  const callbackNumber = /Request (\S+)\./.exec(await done.innerText())?.[1] ?? '';
  expect(callbackNumber).not.toBe('');
  await page.screenshot({ path: path.join(ARTIFACTS, 'widget-callback-done.png') });

  await admin.goto(`/agent/t/${requestNumber}`);
  await expect(admin.getByTestId('timeline')).toContainText(`Do you deliver to Kazan? ${stamp}`);
  await expect(admin.getByTestId('contact-name')).toHaveText('Olga Offline');

  await admin.goto(`/agent/t/${callbackNumber}`);
  await expect(admin.getByTestId('ticket-head')).toBeVisible();
  await expect(admin.locator('.tag', { hasText: 'callback' })).toBeVisible();
  await expect(admin.getByTestId('timeline')).toContainText('+79123456789');
  await expect(admin.getByTestId('timeline')).toContainText('today after 6 pm');
  await expect(admin.getByTestId('timeline')).toContainText(`Wholesale order ${stamp}`);

  await ctx.close();
  await adminCtx.close();
});

test('the bot questionnaire pre-fills the ticket; a visitor can ask for a person at once', async ({ browser }) => {
  test.setTimeout(120_000);
  const stamp = Date.now();
  const adminCtx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const admin = await adminCtx.newPage();
  await signIn(admin);
  await admin.getByTestId('presence-select').selectOption('online');
  const key = await createSite(admin, { name: `Bot shop ${stamp}`, chat: true, callback: false, bot: true });

  const { ctx, page } = await visit(key);
  const frame = await widgetFrame(page, key);
  await openWidget(page);
  const step = frame.getByTestId('wf-bot-form');
  await expect(step).toHaveAttribute('data-step', 'problem');
  await expect(frame.getByTestId('wf-bot-log')).toContainText('Please describe the problem.');
  // The first step is required: no "skip".
  await expect(frame.getByTestId('wf-bot-skip')).toHaveCount(0);
  await frame.getByTestId('wf-bot-next').click();
  await expect(frame.getByTestId('wf-err-problem')).toHaveText('Please fill this in');
  await frame.getByTestId('wf-bot-answer').fill(`My parcel never arrived ${stamp}`);
  await frame.getByTestId('wf-bot-next').click();

  await expect(step).toHaveAttribute('data-step', 'order');
  await frame.getByTestId('wf-bot-answer').fill('A-1042');
  await frame.getByTestId('wf-bot-next').click();

  await expect(step).toHaveAttribute('data-step', 'screenshot');
  await frame.getByTestId('wf-bot-file').setInputFiles({ name: 'tracking.png', mimeType: 'image/png', buffer: PNG });
  await frame.getByTestId('wf-bot-next').click();

  // The bot is done: the chat with the conversation created from the answers.
  await expect(frame.getByTestId('wf-composer')).toBeVisible();
  await expect(frame.getByTestId('wf-thread')).toHaveText(/Request \S+/);
  const number = (await frame.getByTestId('wf-thread').innerText()).replace('Request ', '').trim();
  await page.screenshot({ path: path.join(ARTIFACTS, 'widget-bot-done.png') });

  await admin.goto(`/agent/t/${number}`);
  await expect(admin.getByTestId('ticket-subject')).toContainText(`My parcel never arrived ${stamp}`);
  await expect(admin.getByTestId('timeline')).toContainText(`My parcel never arrived ${stamp}`);
  await expect(admin.getByTestId('custom-field')).toContainText('A-1042');
  await expect(admin.getByTestId('attachment')).toContainText('tracking.png');
  await admin.screenshot({ path: path.join(ARTIFACTS, 'widget-bot-ticket.png'), fullPage: true });

  // Another visitor asks for a person right away: straight to the chat.
  const second = await visit(key);
  const f2 = await widgetFrame(second.page, key);
  await openWidget(second.page);
  await expect(f2.getByTestId('wf-bot-form')).toBeVisible();
  await f2.getByTestId('wf-bot-person').click();
  await expect(f2.getByTestId('wf-composer')).toBeVisible();

  await second.ctx.close();
  await ctx.close();
  await adminCtx.close();
});
