import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AREAS } from '@korgon/domain';
import { type Browser, type BrowserContext, chromium, type Page, type Response } from 'playwright-core';
import { freshTotpCode, rememberTotpSecret, totpSecretOf } from './second-factor';
import { TEST_PASSWORD } from './test-app';

/**
 * How long a browser test waits for what follows from its own step (a push reaching another screen, a
 * transaction the page has already shown): generous, since the machine running the suite may be busy.
 * For expect.poll and vi.waitFor alike.
 */
export const SOON = { timeout: 15_000, interval: 100 };

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
  /**
   * false: the page shows the sign-in form already (a test that looked at it, switched its language, or was
   * sent back to it), so it is not loaded again.
   */
  navigate?: boolean;
  /**
   * 'sent': returns as soon as the form is sent, for a test that checks what comes next itself (a refusal, the
   * second factor, a forced password change). 'in' (the default): once the user is in.
   */
  until?: 'in' | 'sent';
}

/** The console's areas as hashes: where it goes once someone is signed in (`?…` is an area's own state). */
const HOME_HASH = new RegExp(`#/(${AREAS.map((a) => a.id).join('|')})(\\?.*)?$`);

/** The sign-in form's labels in each of the console's languages: it starts in Kyrgyz, a test may switch it. */
const USERNAME = /^(Колдонуучунун аты|Имя пользователя|Username)$/;
const PASSWORD = /^(Сырсөз|Пароль|Password)$/;
const SUBMIT = /^(Кирүү|Войти|Sign in)$/;

/**
 * The one way browser tests sign in: through the console's sign-in page, in whichever language it shows, then
 * waits until the user is in: for their landing heading or, without one, a home area's hash. Never for just
 * any h1: the sign-in page has one of its own, so that would return before the sign-in went through. The
 * second factor is done as a person would: the code an authenticator app would show typed into its field, or,
 * for a user without one, the enrolment (the key read off the page, its first code, the recovery codes saved).
 */
export async function signInInBrowser(
  page: Page,
  baseUrl: string,
  username: string,
  { password = TEST_PASSWORD, landing, navigate = true, until = 'in' }: SignInOptions = {},
): Promise<void> {
  if (navigate) await page.goto(baseUrl);
  await page.getByLabel(USERNAME).fill(username);
  await page.getByLabel(PASSWORD).fill(password);
  await page.getByRole('button', { name: SUBMIT }).click();
  if (until === 'sent') return;
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

/**
 * The answer to the console's autosave of consultation `id` whose body carries `text` (a PUT to
 * /api/consultations/:id): from then on the database has it. The page's "Saved" is no such sign: it may stand
 * for an earlier save while this one is still on its way. Start waiting before the step that types the text.
 */
export function consultationSaved(page: Page, id: string, text: string): Promise<Response> {
  return page.waitForResponse(
    (r) =>
      r.request().method() === 'PUT' &&
      new URL(r.url()).pathname === `/api/consultations/${id}` &&
      (r.request().postData() ?? '').includes(text),
  );
}

/** docs/screens at the root of the repository, where the README's pictures are kept. */
const SCREENS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../docs/screens');

/**
 * Saves what the page shows as docs/screens/<name>.png for the README, only when KORGON_SCREENS=1: the
 * pictures are made once on purpose and committed, not rewritten (and left changed in git) on every run.
 */
export async function screenForDocs(page: Page, name: string): Promise<void> {
  if (process.env.KORGON_SCREENS !== '1') return;
  mkdirSync(SCREENS, { recursive: true });
  // No blinking caret or running transition in the picture.
  await page.screenshot({ path: `${SCREENS}/${name}.png`, animations: 'disabled', caret: 'hide' });
}
