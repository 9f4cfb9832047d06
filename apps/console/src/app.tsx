import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { selectMe, selectStatus, useAuthStore } from './features/auth/auth-store';
import { SignInPage } from './features/auth/sign-in-page';
import { AppShell } from './features/shell/app-shell';

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

  useEffect(() => {
    void useAuthStore.getState().restore();
  }, []);

  if (status === 'loading') return <Loading />;
  if (status === 'signed-in' && me) return <AppShell me={me} />;
  return <SignInPage />;
}
