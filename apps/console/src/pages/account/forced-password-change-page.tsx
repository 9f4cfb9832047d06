import type { Me } from '@korgon/domain';
import { useTranslation } from 'react-i18next';
import { SignedOutPage } from '../../components/signed-out-page';
import { useUserLocale } from '../../i18n/use-user-locale';
import { useAuthStore } from '../../lib/auth-store';
import { ChangePasswordForm } from './change-password-form';

/**
 * Shown at once after signing in with a one-time password (an administrator's reset, `pnpm admin:create`):
 * the server answers every other API with 403 `password_change_required` until the user chooses their own.
 */
export function ForcedPasswordChangePage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const signOut = useAuthStore((s) => s.signOut);
  const passwordChanged = useAuthStore((s) => s.passwordChanged);
  useUserLocale(me.locale);

  return (
    <SignedOutPage title={t('password.forcedTitle')}>
      <h1>{t('password.forcedTitle')}</h1>
      <p className="lead">{t('password.forcedIntro')}</p>
      <p className="muted">
        {me.displayName} <span className="mono">({me.username})</span>
      </p>
      <ChangePasswordForm oneTime onChanged={passwordChanged} />
      <button type="button" className="button" onClick={() => void signOut()}>
        {t('auth.signOut')}
      </button>
    </SignedOutPage>
  );
}
