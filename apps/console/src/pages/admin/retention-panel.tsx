import {
  type LegalHold,
  parseReference,
  RETENTION_SETTINGS,
  type RetentionRun,
  type RetentionSettingName,
  type RetentionSettings,
} from '@korgon/domain';
import { useQuery } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { formatDate, formatDateTime } from '../../lib/format';
import { queryKeys } from '../../lib/query-keys';
import { MaintenanceRunsTable } from './maintenance-runs-table';
import { retentionApi } from './retention-api';

const NAMES = Object.keys(RETENTION_SETTINGS) as RetentionSettingName[];
const MIN_REASON = 3;

/**
 * Retention of free text (docs/security.md "Retention"): the periods and what they mean (a confirm before one
 * is shortened), the runs with "Run now", and legal holds (placed by reference with a reason, lifted with a
 * confirm and a reason).
 */
export function RetentionPanel() {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <section className="panel retention-panel" aria-labelledby={headingId} data-testid="retention-panel">
      <h2 id={headingId}>{t('retention.title')}</h2>
      <p className="field-hint">{t('retention.intro')}</p>
      <SettingsForm />
      <Runs />
      <Holds />
    </section>
  );
}

function SettingsForm() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const [current, setCurrent] = useState<RetentionSettings | null>(null);
  const [values, setValues] = useState<Record<RetentionSettingName, string>>({
    consultationTextDays: '',
    referralContentDays: '',
  });
  const [invalid, setInvalid] = useState<RetentionSettingName[]>([]);
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const adopt = useCallback((s: RetentionSettings) => {
    setCurrent(s);
    setValues({
      consultationTextDays: String(s.consultationTextDays),
      referralContentDays: String(s.referralContentDays),
    });
  }, []);

  useEffect(() => {
    retentionApi.settings().then(adopt, setError);
  }, [adopt]);

  const parsed = () => {
    const out = {} as Record<RetentionSettingName, number>;
    const bad: RetentionSettingName[] = [];
    for (const name of NAMES) {
      const n = Number(values[name]);
      const s = RETENTION_SETTINGS[name];
      if (!values[name].trim() || !Number.isInteger(n) || n < s.min || n > s.max) bad.push(name);
      out[name] = n;
    }
    return { out, bad };
  };

  async function save() {
    const { out } = parsed();
    setConfirming(false);
    setPending(true);
    setError(null);
    setSaved(false);
    try {
      adopt(await retentionApi.saveSettings(out));
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (pending) return;
    const { out, bad } = parsed();
    setInvalid(bad);
    if (bad.length > 0) {
      document.getElementById(`${id}-${bad[0]}`)?.focus();
      return;
    }
    // Shortening a period shreds more at the next run, for good: asked first.
    if (current && NAMES.some((name) => out[name] < current[name])) setConfirming(true);
    else void save();
  }

  return (
    <form
      className="retention-settings"
      noValidate
      onSubmit={submit}
      aria-labelledby={`${id}-h`}
      data-testid="retention-settings"
    >
      <h3 id={`${id}-h`}>{t('retention.settingsTitle')}</h3>
      {NAMES.map((name) => {
        const s = RETENTION_SETTINGS[name];
        const bad = invalid.includes(name);
        return (
          <div key={name} className={bad ? 'field field-invalid' : 'field'}>
            <label htmlFor={`${id}-${name}`}>{t(`retention.${name}`)}</label>
            <p id={`${id}-${name}-hint`} className="field-hint">
              {t(`retention.${name}Hint`, { min: s.min, max: s.max, default: s.default })}
            </p>
            <input
              id={`${id}-${name}`}
              className="retention-days"
              type="number"
              inputMode="numeric"
              min={s.min}
              max={s.max}
              step={1}
              value={values[name]}
              aria-invalid={bad || undefined}
              aria-describedby={`${id}-${name}-hint${bad ? ` ${id}-${name}-error` : ''}`}
              onChange={(e) => {
                setValues({ ...values, [name]: e.target.value });
                setSaved(false);
              }}
              data-testid={`retention-${name}`}
            />
            {bad && (
              <p id={`${id}-${name}-error`} className="field-error">
                {t('retention.daysInvalid', { min: s.min, max: s.max })}
              </p>
            )}
          </div>
        );
      })}
      <p className="field-hint" data-testid="retention-last-change">
        {current?.updatedAt
          ? t('retention.lastChanged', {
              date: formatDateTime(current.updatedAt, locale),
              name: current.updatedBy?.displayName ?? '',
            })
          : t('retention.neverChanged')}
      </p>
      <div className="form-actions">
        <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
          {pending ? t('retention.saving') : t('retention.save')}
        </button>
        <p className="form-status" role="status">
          {saved ? t('retention.saved') : ''}
        </p>
      </div>
      {error !== null && (
        <p className="alert alert-error" role="alert">
          {describeError(error, t)}
        </p>
      )}
      <ConfirmDialog
        open={confirming}
        title={t('retention.shortenTitle')}
        confirmLabel={t('retention.shortenConfirm')}
        cancelLabel={t('retention.cancel')}
        onConfirm={() => void save()}
        onCancel={() => setConfirming(false)}
        testId="retention-shorten-confirm"
      >
        <p>{t('retention.shortenText')}</p>
      </ConfirmDialog>
    </form>
  );
}

const countsText = (r: RetentionRun, t: TFunction) =>
  t('retention.countsText', {
    consultations: r.counts.consultations ?? 0,
    drafts: r.counts.drafts ?? 0,
    addenda: r.counts.addenda ?? 0,
    followUpReasons: r.counts.followUpReasons ?? 0,
    riskOverrides: r.counts.riskOverrides ?? 0,
    referrals: r.counts.referrals ?? 0,
  });

function Runs() {
  const { t } = useTranslation();
  const id = useId();
  const read = useQuery({
    queryKey: queryKeys.retentionRuns,
    queryFn: retentionApi.runs,
    // While a run is queued or at work, its row is read again every few seconds.
    refetchInterval: (q) =>
      q.state.data?.some((r) => r.status === 'queued' || r.status === 'running') ? 3000 : false,
  });
  const runs: RetentionRun[] | null = read.data ?? null;
  const [runError, setError] = useState<unknown>(null);
  const error = runError ?? read.error;
  const [pending, setPending] = useState(false);
  const [queued, setQueued] = useState(false);
  const load = () => void read.refetch();

  async function runNow() {
    if (pending) return;
    setPending(true);
    setError(null);
    setQueued(false);
    try {
      await retentionApi.runNow();
      setQueued(true);
      load();
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  }

  return (
    <section className="retention-runs" aria-labelledby={`${id}-h`} data-testid="retention-runs">
      <h3 id={`${id}-h`}>{t('retention.runsTitle')}</h3>
      <div className="row-actions">
        <button
          type="button"
          className="button button-primary"
          aria-disabled={pending || undefined}
          onClick={() => void runNow()}
          data-testid="retention-run-now"
        >
          {t('retention.runNow')}
        </button>
        <button type="button" className="button" onClick={load}>
          {t('retention.refresh')}
        </button>
      </div>
      <div role="status" className="feedback">
        {queued && <p className="alert alert-success">{t('retention.runQueued')}</p>}
      </div>
      {error !== null && (
        <p className="alert alert-error" role="alert">
          {t('retention.loadFailed')} {describeError(error, t)}
        </p>
      )}
      {runs === null && error === null && <p>{t('retention.loading')}</p>}
      {runs?.length === 0 && <p className="muted">{t('retention.noRuns')}</p>}
      {runs && runs.length > 0 && (
        <MaintenanceRunsTable
          runs={runs.slice(0, 10)}
          ns="retention"
          labelledBy={`${id}-h`}
          counts={(r) => countsText(r, t)}
        />
      )}
    </section>
  );
}

function Holds() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = useId();
  const [holds, setHolds] = useState<LegalHold[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [reference, setReference] = useState('');
  const [reason, setReason] = useState('');
  const [invalid, setInvalid] = useState<('reference' | 'reason')[]>([]);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [lifting, setLifting] = useState<LegalHold | null>(null);
  const [liftReason, setLiftReason] = useState('');
  const [liftInvalid, setLiftInvalid] = useState(false);
  const [liftError, setLiftError] = useState<unknown>(null);

  const load = useCallback(() => {
    retentionApi.holds().then((h) => {
      setHolds(h);
      setLoadError(null);
    }, setLoadError);
  }, []);
  useEffect(load, [load]);

  async function place(e: FormEvent) {
    e.preventDefault();
    if (pending) return;
    const ref = parseReference(reference);
    const bad: ('reference' | 'reason')[] = [];
    if (ref?.kind !== 'consultation') bad.push('reference');
    if (reason.trim().length < MIN_REASON) bad.push('reason');
    setInvalid(bad);
    if (bad.length > 0 || !ref) {
      document.getElementById(`${id}-${bad[0]}`)?.focus();
      return;
    }
    setPending(true);
    setError(null);
    setDone(null);
    try {
      const hold = await retentionApi.placeHold(ref.reference, reason.trim());
      setDone(t('retention.placed', { reference: hold.reference }));
      setReference('');
      setReason('');
      load();
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  }

  async function lift() {
    if (!lifting) return;
    if (liftReason.trim().length < MIN_REASON) {
      setLiftInvalid(true);
      document.getElementById(`${id}-lift-reason`)?.focus();
      return;
    }
    setLiftError(null);
    try {
      await retentionApi.liftHold(lifting.consultationId, liftReason.trim());
      setDone(t('retention.lifted', { reference: lifting.reference }));
      setLifting(null);
      load();
    } catch (err) {
      setLiftError(err);
    }
  }

  return (
    <section className="retention-holds" aria-labelledby={`${id}-h`} data-testid="retention-holds">
      <h3 id={`${id}-h`}>{t('retention.holdsTitle')}</h3>
      <p className="field-hint">{t('retention.holdsIntro')}</p>
      <form
        className="retention-hold-form"
        noValidate
        onSubmit={(e) => void place(e)}
        data-testid="hold-form"
      >
        <div className={invalid.includes('reference') ? 'field field-invalid' : 'field'}>
          <label htmlFor={`${id}-reference`}>{t('retention.holdReference')}</label>
          <input
            id={`${id}-reference`}
            className="mono"
            value={reference}
            maxLength={40}
            autoComplete="off"
            spellCheck={false}
            placeholder="K-2026-000123"
            aria-invalid={invalid.includes('reference') || undefined}
            aria-describedby={invalid.includes('reference') ? `${id}-reference-error` : undefined}
            onChange={(e) => setReference(e.target.value)}
            data-testid="hold-reference"
          />
          {invalid.includes('reference') && (
            <p id={`${id}-reference-error`} className="field-error">
              {t('retention.referenceInvalid')}
            </p>
          )}
        </div>
        <div className={invalid.includes('reason') ? 'field field-invalid' : 'field'}>
          <label htmlFor={`${id}-reason`}>{t('retention.holdReason')}</label>
          <p id={`${id}-reason-hint`} className="field-hint">
            {t('retention.holdReasonHint')}
          </p>
          <input
            id={`${id}-reason`}
            value={reason}
            maxLength={500}
            autoComplete="off"
            aria-invalid={invalid.includes('reason') || undefined}
            aria-describedby={`${id}-reason-hint${invalid.includes('reason') ? ` ${id}-reason-error` : ''}`}
            onChange={(e) => setReason(e.target.value)}
            data-testid="hold-reason"
          />
          {invalid.includes('reason') && (
            <p id={`${id}-reason-error`} className="field-error">
              {t('retention.reasonInvalid')}
            </p>
          )}
        </div>
        <div className="form-actions">
          <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
            {t('retention.place')}
          </button>
        </div>
      </form>
      <div role="status" className="feedback">
        {done && <p className="alert alert-success">{done}</p>}
      </div>
      {error !== null && (
        <p className="alert alert-error" role="alert">
          {describeError(error, t)}
        </p>
      )}
      {loadError !== null && (
        <p className="alert alert-error" role="alert">
          {t('retention.loadFailed')} {describeError(loadError, t)}
        </p>
      )}
      {holds?.length === 0 && <p className="muted">{t('retention.noHolds')}</p>}
      {holds && holds.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard on narrow screens.
        <section className="table-scroll" aria-labelledby={`${id}-h`} tabIndex={0}>
          <table className="table retention-holds-table">
            <thead>
              <tr>
                <th scope="col">{t('retention.col.reference')}</th>
                <th scope="col">{t('retention.col.placed')}</th>
                <th scope="col">{t('retention.col.reason')}</th>
                <th scope="col">{t('admin.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {holds.map((h) => (
                <tr key={h.consultationId} data-testid="hold-row" data-reference={h.reference}>
                  <th scope="row" className="mono">
                    {h.reference}
                    {h.notesShreddedAt && (
                      <>
                        <br />
                        <span className="muted">
                          {t('retention.shreddedAlready', { date: formatDate(h.notesShreddedAt, locale) })}
                        </span>
                      </>
                    )}
                  </th>
                  <td>
                    {h.placedAt ? formatDateTime(h.placedAt, locale) : '—'}
                    {h.placedBy && (
                      <>
                        <br />
                        <span className="muted">{h.placedBy.displayName}</span>
                      </>
                    )}
                  </td>
                  <td className="break-anywhere">{h.reason ?? '—'}</td>
                  <td>
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => {
                        setLifting(h);
                        setLiftReason('');
                        setLiftInvalid(false);
                        setLiftError(null);
                      }}
                      data-testid="hold-lift"
                    >
                      {t('retention.lift')}
                      <span className="sr-only"> {h.reference}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <ConfirmDialog
        open={lifting !== null}
        title={t('retention.liftTitle', { reference: lifting?.reference ?? '' })}
        confirmLabel={t('retention.lift')}
        cancelLabel={t('retention.cancel')}
        onConfirm={() => void lift()}
        onCancel={() => setLifting(null)}
        testId="hold-lift-confirm"
      >
        <p>{t('retention.liftText')}</p>
        <div className={liftInvalid ? 'field field-invalid' : 'field'}>
          <label htmlFor={`${id}-lift-reason`}>{t('retention.liftReason')}</label>
          <input
            id={`${id}-lift-reason`}
            value={liftReason}
            maxLength={500}
            autoComplete="off"
            aria-invalid={liftInvalid || undefined}
            aria-describedby={liftInvalid ? `${id}-lift-reason-error` : undefined}
            onChange={(e) => {
              setLiftReason(e.target.value);
              setLiftInvalid(false);
            }}
            data-testid="hold-lift-reason"
          />
          {liftInvalid && (
            <p id={`${id}-lift-reason-error`} className="field-error">
              {t('retention.reasonInvalid')}
            </p>
          )}
        </div>
        {liftError !== null && (
          <p className="alert alert-error" role="alert">
            {describeError(liftError, t)}
          </p>
        )}
      </ConfirmDialog>
    </section>
  );
}
