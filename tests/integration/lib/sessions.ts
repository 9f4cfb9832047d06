import { TEST_PASSWORD, type TestApp } from '@korgon/dev/testing';

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
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: `10.${subnet}.${(n >> 8) & 255}.${n & 255}`,
      headers: { origin: t.baseUrl },
      payload: { username, password: TEST_PASSWORD },
    });
    return cookieOf(res, `sign-in as ${username}`);
  };
  /** A wall display's session: an administrator (signed in anew) creates the display, the screen pairs with its code. */
  const pairWall = async (name: string): Promise<string> => {
    const display = await t.app.inject({
      method: 'POST',
      url: '/api/admin/wall-displays',
      headers: { cookie: await signInAs('admin'), origin: t.baseUrl },
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
