import { useTranslation } from 'react-i18next';
import { SignedOutPage } from '../../components/signed-out-page';
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

  return (
    <SignedOutPage title={t('auth.heading')} tagline>
      <h1>{t('auth.heading')}</h1>
      <p className="lead">{t('auth.intro')}</p>
      <Notice />
      <SignInForm />
    </SignedOutPage>
  );
}
