import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { selectMe, selectStatus, useAuthStore } from '../lib/auth-store';
import { useHash, wallPairingOf } from '../lib/route';
import { ForcedPasswordChangePage } from '../pages/account/forced-password-change-page';
import { SecondFactorPage } from '../pages/account/second-factor-page';
import { SignInPage } from '../pages/account/sign-in-page';
import { useWallScreen } from '../pages/wall/wall-device';
import { WallPairPage } from '../pages/wall/wall-pair-page';
import { AppShell } from './app-shell';

function Loading() {
  const { t } = useTranslation();
  return (
    <main id="main" className="loading" aria-busy="true">
      <p role="status">{t('app.loading')}</p>
    </main>
  );
}

export function App() {
  const status = useAuthStore(selectStatus);
  const me = useAuthStore(selectMe);
  const pairing = wallPairingOf(useHash());
  const wallScreen = useWallScreen();

  useEffect(() => {
    void useAuthStore.getState().restore();
  }, []);

  if (status === 'loading') return <Loading />;
  // Password right, second factor still to come (its code, or setting it up): only that step opens.
  if (status === 'signed-in' && me?.next) return <SecondFactorPage me={me} />;
  // Signed in with a one-time password: nothing else opens until the user has chosen their own.
  if (status === 'signed-in' && me?.mustChangePassword) return <ForcedPasswordChangePage me={me} />;
  if (status === 'signed-in' && me) return <AppShell me={me} />;
  // A wall display's screen (its pairing link, or one paired before and now revoked) pairs with a code.
  if (pairing || wallScreen) return <WallPairPage code={pairing?.code ?? ''} lang={pairing?.lang ?? null} />;
  return <SignInPage />;
}
