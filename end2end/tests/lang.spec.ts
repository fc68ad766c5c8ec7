// Language and time zone per agent (issue 6, point 10) against the real server
// (LOSSLESS_DEMO=1). The demo manager Maria signs in from a Russian browser in Tokyo: the UI
// is Russian and her browser's zone is saved on the first visit. She switches to English
// with the header switcher: the texts change, stay English after a reload, and in a fresh
// Russian browser in New York after signing in again (her zone stays Tokyo). On
// /agent/settings an unknown zone is refused, Europe/Berlin is saved, and a ticket's time
// shows in Berlin time in the English format — rendered in the browser (client-side
// navigation) and on the server (reload) alike; back in Russian via the settings form it
// shows in the Russian format.
import { test, expect, type Page } from '@playwright/test';

const MARIA = 'maria@demo.lossless.local';
const DEMO_PASSWORD = 'demo-password';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** How the UI must show instant `iso` in `zone` for `lang` (computed here independently). */
function shown(iso: string, zone: string, lang: 'ru' | 'en'): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  const pad = (s: string) => s.padStart(2, '0');
  const time = `${pad(parts.hour)}:${pad(parts.minute)}`;
  return lang === 'ru'
    ? `${pad(parts.day)}.${pad(parts.month)}.${parts.year} ${time}`
    : `${Number(parts.day)} ${MONTHS[Number(parts.month) - 1]} ${parts.year} ${time}`;
}

async function signInAsMaria(page: Page): Promise<void> {
  await page.goto('/agent/login');
  await page.getByTestId('login-email').fill(MARIA);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(/\/agent$/);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
}

test('language and time zone follow the agent across browsers', async ({ browser, request }) => {
  test.setTimeout(120_000);
  const stamp = Date.now();
  const created = await request.post('/api/v1/requests', {
    data: { name: 'Zone Test', email: `zone.${stamp}@example.com`, message: `What time is it? ${stamp}` },
  });
  expect(created.status()).toBe(201);
  const number: string = (await created.json()).number;

  const errors: string[] = [];
  const tokyo = await browser.newContext({ locale: 'ru-RU', timezoneId: 'Asia/Tokyo' });
  const page = await tokyo.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await signInAsMaria(page);

  // First sign-in from a Russian browser: Russian UI; the browser's zone is saved on the
  // first visit and the next render uses it.
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
  await expect(page.getByTestId('nav-settings')).toHaveText('Мои настройки');
  await expect
    .poll(async () => {
      await page.reload();
      return page.locator('html').getAttribute('data-tz');
    })
    .toBe('Asia/Tokyo');
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');

  // The header switcher: English, and it stays after a reload.
  await page.locator('.lang-switch button[value=en]').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('nav-settings')).toHaveText('My settings');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('nav-settings')).toHaveText('My settings');

  // Another Russian browser, in New York: after signing in, still English, still Tokyo.
  const newYork = await browser.newContext({ locale: 'ru-RU', timezoneId: 'America/New_York' });
  const other = await newYork.newPage();
  other.on('pageerror', (e) => errors.push(e.message));
  await signInAsMaria(other);
  await expect(other.locator('html')).toHaveAttribute('lang', 'en');
  await expect(other.getByTestId('nav-settings')).toHaveText('My settings');
  await expect(other.locator('html')).toHaveAttribute('data-tz', 'Asia/Tokyo');
  await other.goto(`/agent/t/${number}`);
  const firstTime = other.locator('[data-testid=timeline-message] time').first();
  const at = await firstTime.getAttribute('datetime');
  expect(at).toBeTruthy();
  await expect(firstTime).toHaveText(shown(at!, 'Asia/Tokyo', 'en'));

  // Settings: an unknown zone is refused; Berlin is saved.
  await expect(other.getByTestId('live-status')).toHaveAttribute('data-connected', 'true');
  await other.getByTestId('nav-settings').click();
  await expect(other).toHaveURL(/\/agent\/settings$/);
  const tz = other.getByTestId('pref-tz');
  await expect(tz).toHaveValue('Asia/Tokyo');
  await tz.fill('Mars/Olympus');
  await other.getByTestId('pref-tz-save').click();
  await expect(other.locator('[data-testid=display-prefs] .error')).toHaveAttribute('data-code', 'invalid');
  await tz.fill('Europe/Berlin');
  await other.getByTestId('pref-tz-save').click();
  await expect(other.getByTestId('tz-saved')).toContainText('Europe/Berlin');

  // The ticket's time in Berlin: rendered in the browser after client-side navigation …
  const berlin = shown(at!, 'Europe/Berlin', 'en');
  await other.locator('.mainnav a[href="/agent"]').click();
  await expect(other).toHaveURL(/\/agent$/);
  await other.locator(`[data-testid=queue-row][data-number="${number}"] td.num a`).click();
  await expect(other).toHaveURL(new RegExp(`/agent/t/${number}$`));
  await expect(other.locator('[data-testid=timeline-message] time').first()).toHaveText(berlin);
  // … and on the server.
  await other.reload();
  await expect(other.locator('html')).toHaveAttribute('data-tz', 'Europe/Berlin');
  await expect(other.locator('[data-testid=timeline-message] time').first()).toHaveText(berlin);

  // Back to Russian through the settings form: the Russian date format, same zone.
  await other.goto('/agent/settings');
  await other.getByTestId('pref-lang').selectOption('ru');
  await other.getByTestId('pref-lang-save').click();
  await expect(other.locator('html')).toHaveAttribute('lang', 'ru');
  await expect(other.getByTestId('nav-settings')).toHaveText('Мои настройки');
  await other.goto(`/agent/t/${number}`);
  await expect(other.locator('[data-testid=timeline-message] time').first()).toHaveText(
    shown(at!, 'Europe/Berlin', 'ru'),
  );
  // The first browser follows after a reload.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'ru');
  await expect(page.locator('html')).toHaveAttribute('data-tz', 'Europe/Berlin');

  expect(errors).toEqual([]);
  await tokyo.close();
  await newYork.close();
});
