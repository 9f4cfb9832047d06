import { type ReactNode, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitcher } from './language-switcher';
import { SkipLink } from './skip-link';

/**
 * The frame of every page shown before the console proper: sign-in, the second factor, a one-time password's
 * change, a wall display's pairing. The brand and the language switcher on top, one card, the window's title.
 */
export function SignedOutPage({
  title,
  card = 'card sign-in-card',
  cardTestId,
  tagline = false,
  children,
}: {
  /** Shown in the window's title, before the application's name. */
  title: string;
  card?: string;
  cardTestId?: string;
  /** The line of what 5200 is, under the card (the sign-in page). */
  tagline?: boolean;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);
  return (
    <div className="sign-in-layout">
      <SkipLink />
      <header className="sign-in-header">
        <p className="brand">{t('app.name')}</p>
        <LanguageSwitcher />
      </header>
      <main id="main" className="sign-in-main" tabIndex={-1}>
        <div className={card} data-testid={cardTestId}>
          {children}
        </div>
      </main>
      {tagline && (
        <footer className="sign-in-footer">
          <p>{t('app.tagline')}</p>
        </footer>
      )}
    </div>
  );
}
