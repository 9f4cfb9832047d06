import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { ApiError } from '../../lib/api';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { levelClass, levelName } from '../risk/levels';
import { riskApi } from '../risk/risk-api';
import { consultationHref } from '../shell/route';
import { type AlertEntry, type SignOffEntry, useAlertsStore } from './alerts-store';
import { ReferralAlerts } from './referral-alerts';

/**
 * The supervisor's live alerts: high and critical risk results as they are saved, requests to lower a level
 * (Approve / Refuse), and the decisions taken. New alerts are announced: assertively when critical,
 * politely when high.
 */
export function RiskAlertsPanel() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const alerts = useAlertsStore((s) => s.alerts);
  const requests = useAlertsStore((s) => s.requests);
  const decisions = useAlertsStore((s) => s.decisions);
  // Only what arrives while the board is on screen is announced; what came before is in the lists.
  const since = useRef(useAlertsStore.getState().seq);
  const headingId = useId();
  const requestsId = useId();
  const decisionsId = useId();

  const fresh = alerts.filter((a) => a.seq > since.current);
  const announce = (a: AlertEntry | undefined) =>
    a
      ? t('alerts.announce', {
          level: levelName(a.level, locale, t),
          name: a.operator.displayName,
          time: formatDateTime(a.at, locale),
        })
      : '';
  const critical = announce(fresh.find((a) => a.level === 'critical'));
  const high = announce(fresh.find((a) => a.level !== 'critical'));
  const freshRequest = requests.find((r) => r.seq > since.current && r.state === 'open');

  return (
    <section className="panel alerts-panel" aria-labelledby={headingId} data-testid="alerts-panel">
      <h2 id={headingId}>{t('board.alertsTitle')}</h2>
      <div className="sr-only" aria-live="assertive" aria-atomic="true" data-testid="alerts-live-assertive">
        {critical}
      </div>
      <div className="sr-only" aria-live="polite" aria-atomic="true" data-testid="alerts-live-polite">
        {high}
        {freshRequest ? ` ${t('alerts.announceRequest', { name: freshRequest.operator.displayName })}` : ''}
      </div>

      {alerts.length === 0 ? (
        <p className="muted" data-testid="alerts-empty">
          {t('alerts.none')}
        </p>
      ) : (
        <ol className="alert-list" data-testid="risk-alerts">
          {alerts.map((a) => (
            <li
              key={a.seq}
              className={`risk-alert ${levelClass(a.level)}`}
              data-testid="risk-alert"
              data-level={a.level}
              data-consultation-id={a.consultationId}
            >
              <span className={`level-badge ${levelClass(a.level)}`}>{levelName(a.level, locale, t)}</span>
              <span data-testid="risk-alert-operator">{a.operator.displayName}</span>
              <time dateTime={a.at}>{formatDateTime(a.at, locale)}</time>
              <a className="mono" href={consultationHref(a.consultationId)}>
                {t('alerts.consultation', { id: a.consultationReference })}
              </a>
            </li>
          ))}
        </ol>
      )}

      <ReferralAlerts />

      <h3 id={requestsId}>{t('board.signOffTitle')}</h3>
      {requests.length === 0 ? (
        <p className="muted">{t('signOff.none')}</p>
      ) : (
        <ul className="sign-off-list" aria-labelledby={requestsId} data-testid="sign-off-requests">
          {requests.map((r) => (
            <SignOffRequest key={r.assessmentId} r={r} />
          ))}
        </ul>
      )}

      {decisions.length > 0 && (
        <>
          <h3 id={decisionsId}>{t('signOff.decisionsTitle')}</h3>
          <ul className="decision-list" aria-labelledby={decisionsId} data-testid="sign-off-decisions">
            {decisions.map((d) => (
              <li key={d.seq} data-testid="sign-off-decision" data-assessment-id={d.assessmentId}>
                {t(d.approved ? 'signOff.decidedApproved' : 'signOff.decidedRefused', {
                  name: d.by,
                  level: levelName(d.finalLevel, locale, t),
                  id: d.consultationReference,
                })}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function SignOffRequest({ r }: { r: SignOffEntry }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const setState = useAlertsStore((s) => s.setRequestState);
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const noteId = useId();
  const open = r.state === 'open' || r.state === 'sending';

  async function decide(approve: boolean) {
    if (r.state !== 'open') return;
    setState(r.assessmentId, 'sending');
    setError(null);
    try {
      await riskApi.signOff(r.assessmentId, approve, note);
      setState(r.assessmentId, approve ? 'approved' : 'refused');
    } catch (e) {
      setState(r.assessmentId, 'open');
      setError(e);
    }
  }

  return (
    <li
      className="sign-off"
      data-testid="sign-off-request"
      data-assessment-id={r.assessmentId}
      data-state={r.state}
    >
      <p>
        {t('signOff.request', {
          name: r.operator.displayName,
          from: levelName(r.level, locale, t),
          to: levelName(r.requestedLevel, locale, t),
        })}{' '}
        <time dateTime={r.at}>{formatDateTime(r.at, locale)}</time>
      </p>
      <p>
        <a className="mono" href={consultationHref(r.consultationId)}>
          {t('alerts.consultation', { id: r.consultationReference })}
        </a>
      </p>
      <p className="sign-off-reason">{t('signOff.reason', { reason: r.reason })}</p>
      {open ? (
        <>
          <div className="field">
            <label htmlFor={noteId}>{t('signOff.note')}</label>
            <textarea
              id={noteId}
              rows={2}
              maxLength={1000}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </div>
          <div className="form-actions">
            <button
              type="button"
              className="button button-primary button-small"
              aria-disabled={r.state === 'sending' || undefined}
              onClick={() => void decide(true)}
            >
              {t('signOff.approve')}
            </button>
            <button
              type="button"
              className="button button-danger button-small"
              aria-disabled={r.state === 'sending' || undefined}
              onClick={() => void decide(false)}
            >
              {t('signOff.refuse')}
            </button>
          </div>
        </>
      ) : (
        <p
          className={`alert ${r.state === 'approved' ? 'alert-success' : 'alert-warning'}`}
          role="status"
          data-testid="sign-off-result"
        >
          {t(r.state === 'approved' ? 'signOff.approved' : 'signOff.refused', {
            name: r.decidedBy ?? t('signOff.you'),
          })}
        </p>
      )}
      {error !== null && (
        <p className="inline-error" role="alert">
          {error instanceof ApiError && error.status === 409
            ? t('signOff.alreadyDecided')
            : describeError(error, t)}
        </p>
      )}
    </li>
  );
}
