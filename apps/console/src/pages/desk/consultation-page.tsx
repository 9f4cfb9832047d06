import { can } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog } from '../../components/confirm-dialog';
import {
  type DraftController,
  type DraftState,
  draftController,
  useDraft,
} from '../../draft/draft-controller';
import { focusField, optionLabel } from '../../draft/fields';
import { ConsultationForm } from '../../features/consultation/consultation-form';
import { FinalizeArea, firstIssueField } from '../../features/consultation/finalize-area';
import { MergeView } from '../../features/consultation/merge-view';
import { RepeatHistory } from '../../features/consultation/repeat-history';
import { SkipList } from '../../features/consultation/skip-list';
import { useTaxonomy } from '../../features/consultation/use-taxonomy';
import { ReferralsSection } from '../../features/referrals/referrals-section';
import { AssessedActions } from '../../features/risk/assessed-actions';
import { RiskPanel } from '../../features/risk/risk-panel';
import { useCurrentLocale } from '../../i18n/language';
import { selectMe, useAuthStore } from '../../lib/auth-store';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { hrefOf } from '../../lib/route';
import { FinalView } from './final-view';
import { LinkedContacts } from './linked-contacts';

/** One consultation at #/consultations/<id>: the form while a draft, read-only once final. */
export function ConsultationPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const me = useAuthStore(selectMe);
  const userId = me?.id ?? '';
  const supervises = me ? can(me.role, 'referral:manage') : false;
  const c = useMemo(() => draftController(id, userId), [id, userId]);
  const phase = useDraft(c, (s) => s.phase);
  const version = useDraft(c, (s) => s.taxonomyVersion);
  const final = useDraft(c, (s) => s.status === 'final');
  const record = useDraft(c, (s) => s.record);
  const channel = useDraft(c, (s) => s.channel);
  const restored = useDraft(c, (s) => s.restored);
  const conflict = useDraft(c, (s) => s.conflict !== null);
  const loadError = useDraft(c, (s) => s.loadError);
  const { taxonomy, error: taxonomyError, retry: retryTaxonomy } = useTaxonomy(version, phase === 'ready');
  const notMine = record !== null && record.operator.id !== userId;
  const focused = useRef(false);
  const [confirming, setConfirming] = useState(false);

  // The form opens at its top, wherever the page it came from was scrolled to.
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per consultation opened
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [id]);

  useEffect(() => {
    void c.open();
    return () => c.leave();
  }, [c]);

  useEffect(() => {
    document.title = `${t('consultation.title')} · ${t('app.name')}`;
  }, [t]);

  // On arrival: straight to the contact kind when it is still to choose (a silent call closes in three keystrokes:
  // its digit, Enter, and Enter to confirm).
  useEffect(() => {
    if (focused.current || phase === 'loading') return;
    if (phase === 'ready' && !taxonomy) return;
    focused.current = true;
    const s = c.store.getState();
    if (
      phase === 'ready' &&
      !final &&
      !notMine &&
      !s.conflict &&
      !s.draft.data.contactKind &&
      focusField('contactKind', { scroll: 'nearest' })
    )
      return;
    document.getElementById('consultation-h1')?.focus({ preventScroll: true });
  }, [c, phase, taxonomy, final, notMine]);

  const finalize = useCallback(async () => {
    await c.finalize();
    const s = c.store.getState();
    if (s.status === 'final') {
      document.getElementById('consultation-h1')?.focus();
      return;
    }
    const first = firstIssueField(s.issues);
    if (s.conflict) document.getElementById('merge-h')?.focus();
    else if (s.riskBlocked) document.getElementById('risk-save')?.focus();
    else if (first) focusField(first);
    else if (s.finalizeBlocked || s.finalizeError !== null)
      document.getElementById('finalize-problem')?.focus();
  }, [c]);

  // Finalizing cannot be undone: the button, Ctrl+Enter and the quick close of a silent call all ask first.
  const askToFinalize = useCallback(() => {
    const s = c.store.getState();
    if (s.finalizing || s.status === 'final') return;
    setConfirming(true);
  }, [c]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !final && !notMine && phase === 'ready') {
      e.preventDefault();
      if (!confirming) askToFinalize();
    }
  };

  const editable = phase === 'ready' && taxonomy !== null && !final && !notMine;

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Ctrl+Enter finalizes from anywhere in the page; the button does the same
    <div
      className="area consultation-page"
      data-testid="consultation-page"
      data-consultation-id={id}
      onKeyDown={onKeyDown}
    >
      <div className="area-intro">
        <p className="back-link">
          <a href={hrefOf('desk')}>{t('consultation.back')}</a>
        </p>
        <h1 id="consultation-h1" tabIndex={-1}>
          {t('consultation.title')}
          {record && (
            <>
              {' '}
              <span className="mono" data-testid="consultation-reference">
                {record.reference}
              </span>
            </>
          )}
        </h1>
        {phase === 'ready' && (
          <p className="lead consultation-meta" data-testid="consultation-meta">
            {optionLabel(taxonomy, 'channels', channel, locale)}
            {record
              ? ` · ${t('consultation.started', { date: formatDateTime(record.createdAt, locale) })}`
              : ''}
            {' · '}
            {final ? t('consultation.statusFinal') : t('consultation.statusDraft')}
            {version ? ` · ${t('consultation.taxonomy', { version })}` : ''}
          </p>
        )}
      </div>

      {phase === 'loading' && (
        <p role="status" className="muted">
          {t('consultation.loading')}
        </p>
      )}
      {phase === 'missing' && (
        <p className="alert alert-error" role="alert" data-testid="consultation-missing">
          {t('consultation.missing')}
        </p>
      )}
      {phase === 'failed' && (
        <div className="alert alert-error" role="alert">
          <p>
            {t('consultation.loadFailed')} {describeError(loadError, t)}
          </p>
          <button type="button" className="button button-small" onClick={() => void c.open()}>
            {t('errors.retry')}
          </button>
        </div>
      )}

      {phase === 'ready' && (
        <>
          {!notMine && <SaveBar c={c} onFinalize={askToFinalize} />}
          {restored && !final && (
            <p className="alert alert-info" data-testid="restored-notice">
              {t('save.restored')}
            </p>
          )}
          {notMine && record && (
            <p className="alert alert-info" data-testid="not-mine">
              {t('consultation.notMine', { name: record.operator.displayName })}
            </p>
          )}
          {record && record.repeatContacts > 0 && <RepeatHistory id={id} count={record.repeatContacts} />}
          {record && (record.previousId || final) && (
            // The earlier contact of a chain has no previousId: a final one is asked for its later contacts too
            // (the panel shows only when there are some).
            <LinkedContacts id={id} taxonomy={taxonomy} linked={record.previousId !== null} />
          )}
          {conflict && !final && <MergeView c={c} taxonomy={taxonomy} />}
          {taxonomyError !== null && !taxonomy && (
            <div className="alert alert-error" role="alert">
              <p>
                {t('consultation.taxonomyFailed')} {describeError(taxonomyError, t)}
              </p>
              <button type="button" className="button button-small" onClick={retryTaxonomy}>
                {t('errors.retry')}
              </button>
            </div>
          )}
          {!taxonomy && taxonomyError === null && <p className="muted">{t('consultation.loading')}</p>}
          {taxonomy && (final || notMine) && <FinalView c={c} taxonomy={taxonomy} />}
          {taxonomy && (final || notMine) && (!notMine || supervises) && (
            <ReferralsSection c={c} taxonomy={taxonomy} />
          )}
          {editable && (
            <>
              <SkipList />
              <form
                className="consultation-form"
                noValidate
                aria-labelledby="consultation-h1"
                data-testid="consultation-form"
                onSubmit={(e) => e.preventDefault()}
              >
                <ConsultationForm
                  c={c}
                  taxonomy={taxonomy}
                  onFinalize={askToFinalize}
                  risk={<RiskPanel c={c} />}
                  assessedActions={<AssessedActions c={c} />}
                />
              </form>
              <ReferralsSection c={c} taxonomy={taxonomy} />
              <FinalizeArea c={c} onFinalize={askToFinalize} />
            </>
          )}
          <ConfirmDialog
            open={confirming && !final}
            title={t('finalize.confirmTitle')}
            confirmLabel={t('finalize.confirm')}
            cancelLabel={t('finalize.cancel')}
            testId="finalize-confirm"
            onConfirm={() => {
              setConfirming(false);
              void finalize();
            }}
            onCancel={() => setConfirming(false)}
          >
            <p>{t('finalize.confirmText')}</p>
          </ConfirmDialog>
        </>
      )}
    </div>
  );
}

function statusText(s: DraftState, t: TFunction): string {
  switch (s.status) {
    case 'saved':
      return s.record ? t('save.saved') : t('save.saving');
    case 'saving':
      return t('save.saving');
    case 'offline':
      return t('save.offline');
    case 'conflict':
      return t('save.conflict');
    case 'error':
      return t('save.error', { reason: describeError(s.saveError, t) });
    case 'final':
      return t('save.final');
  }
}

/** Always in view: whether the record is saved, and Finalize. */
function SaveBar({ c, onFinalize }: { c: DraftController; onFinalize(): void }) {
  const { t } = useTranslation();
  const text = useDraft(c, (s) => statusText(s, t));
  const status = useDraft(c, (s) => s.status);
  const kept = useDraft(c, (s) => s.keptLocally);
  const finalizing = useDraft(c, (s) => s.finalizing);

  return (
    <div className={`save-bar save-${status}`} data-testid="save-bar">
      <p
        role="status"
        aria-atomic="true"
        className="save-status"
        data-testid="save-status"
        data-status={status}
      >
        {text}
        {!kept && status !== 'final' ? ` ${t('save.notKept')}` : ''}
      </p>
      {status !== 'final' && (
        <button
          type="button"
          className="button button-primary button-small"
          aria-keyshortcuts="Control+Enter"
          aria-disabled={finalizing || undefined}
          onClick={onFinalize}
        >
          {finalizing ? t('finalize.pending') : t('finalize.button')}
        </button>
      )}
    </div>
  );
}
