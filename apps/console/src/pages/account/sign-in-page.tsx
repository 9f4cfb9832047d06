import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitcher } from '../../components/language-switcher';
import { SkipLink } from '../../components/skip-link';
import { selectNotice, useAuthStore } from '../../lib/auth-store';
import { SignInForm } from './sign-in-form';

function Notice() {
  const { t } = useTranslation();
  const notice = useAuthStore(selectNotice);
  if (notice === 'signed-out') {
    return (
      <p className="alert alert-info" role="status">
        {t('auth.signedOut')}
      </p>
    );
  }
  if (notice === 'session-ended' || notice === 'unreachable') {
    return (
      <p className="alert alert-warning" role="alert">
        {notice === 'session-ended' ? t('auth.sessionEnded') : t('errors.network')}
      </p>
    );
  }
  return null;
}

export function SignInPage() {
  const { t } = useTranslation();

  useEffect(() => {
    document.title = `${t('auth.heading')} · ${t('app.name')}`;
  }, [t]);

  return (
    <div className="sign-in-layout">
      <SkipLink />
      <header className="sign-in-header">
        <p className="brand">{t('app.name')}</p>
        <LanguageSwitcher />
      </header>
      <main id="main" className="sign-in-main" tabIndex={-1}>
        <div className="card sign-in-card">
          <h1>{t('auth.heading')}</h1>
          <p className="lead">{t('auth.intro')}</p>
          <Notice />
          <SignInForm />
        </div>
      </main>
      <footer className="sign-in-footer">
        <p>{t('app.tagline')}</p>
      </footer>
    </div>
  );
}
