import { passSecondFactor, TEST_PASSWORD, type TestApp } from '@korgon/dev/testing';

/**
 * Sessions made through the real routes, for the tests that call every route as every role (access matrix,
 * fuzz). Each sign-in comes from another address of `10.<subnet>.x.y`, since sign-in is limited per address,
 * and the two tests give different subnets so their limits never meet.
 */
export function sessionMaker(t: TestApp, subnet: number) {
  let signIns = 0;
  const cookieOf = (
    res: { statusCode: number; body: string; cookies: { name: string; value: string }[] },
    what: string,
  ) => {
    const cookie = res.cookies[0];
    if (res.statusCode !== 200 || !cookie) throw new Error(`${what} failed: ${res.body}`);
    return `${cookie.name}=${cookie.value}`;
  };
  const signInAs = async (username: string): Promise<string> => {
    const n = ++signIns;
    const remoteAddress = `10.${subnet}.${(n >> 8) & 255}.${n & 255}`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress,
      headers: { origin: t.baseUrl },
      payload: { username, password: TEST_PASSWORD },
    });
    const cookie = cookieOf(res, `sign-in as ${username}`);
    // The second factor, from the same address (its code, computed as the user's app would).
    await passSecondFactor(
      async (url, payload) => {
        const r = await t.app.inject({
          method: 'POST',
          url,
          remoteAddress,
          headers: { origin: t.baseUrl, cookie },
          payload: payload as object,
        });
        return { status: r.statusCode, body: r.body };
      },
      username,
      (res.json() as { next?: string }).next,
    );
    return cookie;
  };
  /**
   * An administrator's session for pairing walls: kept while it is live (each sign-in spends a step of the
   * admin's second factor, and a test pairing many walls would otherwise wait for new steps).
   */
  let adminCookie: string | undefined;
  const adminSession = async () => {
    if (adminCookie) {
      const me = await t.app.inject({ url: '/api/auth/me', headers: { cookie: adminCookie } });
      if (me.statusCode === 200 && !(me.json() as { next?: string }).next) return adminCookie;
    }
    adminCookie = await signInAs('admin');
    return adminCookie;
  };
  /** A wall display's session: an administrator creates the display, the screen pairs with its code. */
  const pairWall = async (name: string): Promise<string> => {
    const display = await t.app.inject({
      method: 'POST',
      url: '/api/admin/wall-displays',
      headers: { cookie: await adminSession(), origin: t.baseUrl },
      payload: { name, locale: 'en' },
    });
    const paired = await t.app.inject({
      method: 'POST',
      url: '/api/wall/pair',
      headers: { origin: t.baseUrl },
      payload: { code: (display.json() as { code: string }).code },
    });
    return cookieOf(paired, 'wall pairing');
  };
  return { signInAs, pairWall };
}
