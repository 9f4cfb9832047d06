import { existsSync } from 'node:fs';
import { AREAS } from '@korgon/domain';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { freshTotpCode, rememberTotpSecret, totpSecretOf } from './second-factor';
import { TEST_PASSWORD } from './test-app';

/** Debian's Chromium (apt-get install chromium); playwright's own browser download cannot work here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface BrowserPageOptions {
  /** The browser's language (what the console would guess before anyone signs in). */
  locale?: string;
  viewport?: { width: number; height: number };
  /**
   * Console errors a test expects and does not count. A signed-out page's first /api/auth/me is answered 401,
   * which Chromium logs as "…status of 401…", so that is the default; a test that provokes others (a 409, a
   * 400) widens it, one that watches responses itself may pass /Failed to load resource/.
   */
  ignoreConsoleErrors?: RegExp;
}

/** A page in a browser profile of its own, and the errors it has logged so far (a test expects none). */
export interface BrowserPage {
  page: Page;
  context: BrowserContext;
  /** Console errors (but the ignored ones) and uncaught exceptions, in order. */
  errors: string[];
  /** The paths of the scripts it has loaded, in order (a lazily loaded chunk shows up here once it is used). */
  scripts: string[];
}

export interface TestBrowser {
  browser: Browser;
  /** A fresh profile (its own cookies and storage: another person, another screen) with one page. */
  newPage(options?: BrowserPageOptions): Promise<BrowserPage>;
  /** Signs in on the console this browser was made for; see signInInBrowser. */
  signIn(page: Page, username: string, options?: SignInOptions): Promise<void>;
  /** Closes every profile and the browser. */
  close(): Promise<void>;
}

const DEFAULTS: Required<BrowserPageOptions> = {
  locale: 'en-US',
  viewport: { width: 1280, height: 900 },
  ignoreConsoleErrors: /status of 401/,
};

/**
 * Chromium for one test file against the console at `baseUrl`: `defaults` are the file's, each newPage may
 * override them.
 */
export async function createTestBrowser(
  baseUrl: string,
  defaults: BrowserPageOptions = {},
): Promise<TestBrowser> {
  const browser = await launchBrowser();
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage(options = {}) {
      const { locale, viewport, ignoreConsoleErrors } = { ...DEFAULTS, ...defaults, ...options };
      const context = await browser.newContext({ locale, viewport });
      contexts.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && !ignoreConsoleErrors.test(m.text())) errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      const scripts: string[] = [];
      page.on('request', (r) => {
        if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
      });
      return { page, context, errors, scripts };
    },
    signIn: (page, username, options) => signInInBrowser(page, baseUrl, username, options),
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}

export interface SignInOptions {
  /** TEST_PASSWORD (the demo's in tests) unless given. */
  password?: string;
  /**
   * The h1 of the page the user lands on (in the user's own language). Without it, sign-in waits for the
   * console to move to a home area's hash (#/desk, #/board, …) instead.
   */
  landing?: string;
}

/** The console's areas as hashes: where it goes once someone is signed in (`?…` is an area's own state). */
const HOME_HASH = new RegExp(`#/(${AREAS.map((a) => a.id).join('|')})(\\?.*)?$`);

/**
 * Signs in through the console's sign-in page, which starts in Kyrgyz whatever the browser's language, and
 * waits until the user is in: for their landing heading or, without one, a home area's hash. Never for just
 * any h1: the sign-in page has one of its own, so that would return before the sign-in went through. The
 * second factor is done as a person would: the code an authenticator app would show typed into its field, or,
 * for a user without one, the enrolment (the key read off the page, its first code, the recovery codes saved).
 */
export async function signInInBrowser(
  page: Page,
  baseUrl: string,
  username: string,
  { password = TEST_PASSWORD, landing }: SignInOptions = {},
): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('Колдонуучунун аты', { exact: true }).fill(username);
  await page.getByLabel('Сырсөз', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Кирүү' }).click();
  await passSecondFactorInBrowser(page, username, () =>
    landing ? page.getByRole('heading', { level: 1, name: landing }).waitFor() : page.waitForURL(HOME_HASH),
  );
}

/**
 * After the password was sent on the sign-in page: waits for the user to be in (`arrived`), doing the second
 * factor on the way when the console asks for it (its code, or enrolment for a user without one).
 */
export async function passSecondFactorInBrowser(
  page: Page,
  username: string,
  arrived: () => Promise<unknown>,
): Promise<void> {
  // Whichever comes first; the waits that lose are let go quietly.
  let settled = false;
  const quiet = <T>(p: Promise<T>) =>
    p.catch((err: unknown) => {
      if (settled) return new Promise<never>(() => undefined);
      throw err;
    });
  const step = await Promise.race([
    quiet(arrived().then(() => 'in' as const)),
    quiet(
      page
        .getByTestId('totp-form')
        .waitFor()
        .then(() => 'totp' as const),
    ),
    quiet(
      page
        .getByTestId('enrolment')
        .waitFor()
        .then(() => 'enrol' as const),
    ),
  ]);
  settled = true;
  if (step === 'in') return;
  if (step === 'totp') {
    const form = page.getByTestId('totp-form');
    await form
      .locator('input[autocomplete="one-time-code"]')
      .fill(await freshTotpCode(totpSecretOf(username)));
    await form.locator('button[type="submit"]').click();
  } else {
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '');
    rememberTotpSecret(username, secret);
    const form = page.getByTestId('enrol-form');
    await form.locator('input[autocomplete="one-time-code"]').fill(await freshTotpCode(secret));
    await form.locator('button[type="submit"]').click();
    const codes = page.getByTestId('recovery-codes');
    await codes.locator('input[type="checkbox"]').check();
    await codes.locator('button.button-primary').click();
  }
  await arrived();
}
