import { homeAreaOf, type Me } from '@korgon/domain';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitcher } from '../components/language-switcher';
import { useAuthStore } from '../lib/auth-store';
import { hrefOf } from '../lib/route';

export function AppHeader({ me, onSessionsPage }: { me: Me; onSessionsPage: boolean }) {
  const { t } = useTranslation();
  const signOut = useAuthStore((s) => s.signOut);
  const [leaving, setLeaving] = useState(false);

  async function leave() {
    if (leaving) return;
    setLeaving(true);
    await signOut();
  }

  return (
    <header className="app-header">
      <a className="brand" href={hrefOf(homeAreaOf(me.role))}>
        {t('app.name')}
      </a>
      <div className="header-tools">
        <LanguageSwitcher />
        <section className="account" aria-label={t('shell.account')} data-testid="current-user">
          <p className="account-who">
            <span className="account-name">{me.displayName}</span>
            <span className="account-role">{t(`roles.${me.role}`)}</span>
          </p>
          <a
            className="account-link"
            href={hrefOf('sessions')}
            aria-current={onSessionsPage ? 'page' : undefined}
          >
            {t('shell.myAccount')}
          </a>
          <button
            type="button"
            className="button button-on-dark"
            aria-disabled={leaving || undefined}
            onClick={() => void leave()}
          >
            {t('auth.signOut')}
          </button>
        </section>
      </div>
    </header>
  );
}
