import type { SessionInfo } from '@korgon/domain';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { useCurrentLocale } from '../../i18n/language';
import { selectMe, useAuthStore } from '../../lib/auth-store';
import { describeDevice } from '../../lib/describe-device';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { ChangePasswordForm } from './change-password-form';
import { SecondFactorPanel } from './second-factor-panel';
import { useEndSession, useSessions } from './sessions-query';

type Result = { kind: 'ended' } | { kind: 'failed'; error: unknown };

function SessionCard({ session, onResult }: { session: SessionInfo; onResult(result: Result): void }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const end = useEndSession();
  const [pending, setPending] = useState(false);
  const device = describeDevice(session.userAgent) ?? t('sessions.unknownDevice');

  async function endSession() {
    if (pending) return;
    setPending(true);
    try {
      await end(session.id);
      onResult({ kind: 'ended' });
    } catch (error) {
      onResult({ kind: 'failed', error });
      setPending(false);
    }
  }

  return (
    <li className="session-card" data-testid="session">
      <h3 className="session-device">
        {device}
        {session.current && <span className="badge badge-current">{t('sessions.current')}</span>}
      </h3>
      <dl className="facts">
        <dt>{t('sessions.started')}</dt>
        <dd>{formatDateTime(session.createdAt, locale)}</dd>
        <dt>{t('sessions.lastSeen')}</dt>
        <dd>{formatDateTime(session.lastSeenAt, locale)}</dd>
        <dt>{t('sessions.expires')}</dt>
        <dd>{formatDateTime(session.expiresAt, locale)}</dd>
      </dl>
      {session.current ? (
        <p className="field-hint">{t('sessions.currentHint')}</p>
      ) : (
        <button
          type="button"
          className="button button-danger button-small"
          aria-disabled={pending || undefined}
          onClick={() => void endSession()}
        >
          {t('sessions.end')}
          <span className="sr-only">
            {' '}
            {device}, {formatDateTime(session.lastSeenAt, locale)}
          </span>
        </button>
      )}
    </li>
  );
}

/** My account: change the password, and see or end the sessions on other devices. */
export function SessionsPage() {
  const { t } = useTranslation();
  const me = useAuthStore(selectMe);
  const { sessions, status, error, load } = useSessions();
  const [result, setResult] = useState<Result | null>(null);
  const headingId = useId();

  return (
    <AreaPage title={t('account.title')} intro={t('account.intro')}>
      <section className="panel" aria-labelledby={headingId}>
        <h2 id={headingId}>{t('sessions.title')}</h2>
        <p className="muted">{t('sessions.intro')}</p>
        <div role="status" className="feedback">
          {result?.kind === 'ended' && <p className="alert alert-success">{t('sessions.ended')}</p>}
        </div>
        {result?.kind === 'failed' && (
          <p className="alert alert-error" role="alert">
            {describeError(result.error, t)}
          </p>
        )}
        {status === 'loading' && sessions.length === 0 && <p role="status">{t('sessions.loading')}</p>}
        {status === 'error' && (
          <div className="alert alert-error" role="alert">
            <p>
              {t('sessions.loadFailed')} {describeError(error, t)}
            </p>
            <button type="button" className="button button-small" onClick={() => void load()}>
              {t('errors.retry')}
            </button>
          </div>
        )}
        {status === 'ready' && sessions.length === 0 && <p>{t('sessions.empty')}</p>}
        {sessions.length > 0 && (
          <ul className="session-list">
            {sessions.map((session) => (
              <SessionCard key={session.id} session={session} onResult={setResult} />
            ))}
          </ul>
        )}
      </section>
      <ChangePasswordForm onChanged={() => void load()} />
      {me && <SecondFactorPanel username={me.username} />}
    </AreaPage>
  );
}
