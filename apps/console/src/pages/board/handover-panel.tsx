import { HANDOVER_MAX_CHARS, HandoverBody, type HandoverNote, type HandoverOpen } from '@korgon/domain';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDuration, useServerNow } from '../../features/queue/queue-hooks';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { consultationHref } from '../../lib/route';
import { signedInGeneration } from '../../lib/signed-in-state';
import { useZodForm } from '../../lib/use-zod-form';
import { handoverApi, useHandoverStore } from './handover-store';

/** Reads the list when a panel first shows (later reads follow pushes and reconnects). */
function useHandover() {
  const list = useHandoverStore((s) => s.list);
  const status = useHandoverStore((s) => s.status);
  const error = useHandoverStore((s) => s.error);
  useEffect(() => {
    if (useHandoverStore.getState().status === 'idle') void useHandoverStore.getState().load();
  }, []);
  return { list, status, error };
}

/** What is still open, computed by the server when it was read: alerts, urgent referrals, overdue follow-ups. */
function OpenNow({ open, headingLevel = 3 }: { open: HandoverOpen; headingLevel?: 3 | 4 }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const serverNow = useServerNow();
  const H = headingLevel === 3 ? 'h3' : 'h4';
  return (
    <div className="handover-open" data-testid="handover-open">
      <H>{t('handover.alertsTitle', { count: open.alerts.length })}</H>
      {open.alerts.length === 0 ? (
        <p className="muted">{t('handover.none')}</p>
      ) : (
        <ul className="handover-list" data-testid="handover-alerts">
          {open.alerts.map((a) => (
            <li key={a.id} data-alert-id={a.id}>
              <span className="handover-kind">{t(`handover.kind.${a.kind}`)}</span>
              {a.reference && <span className="mono"> {a.reference}</span>}
              {a.operator && <span> · {a.operator}</span>}
              <span className="muted">
                {' '}
                · {t('handover.since', { time: formatDateTime(a.since, locale) })}
                {a.state === 'acknowledged' && ` · ${t('handover.acknowledged')}`}
              </span>
            </li>
          ))}
        </ul>
      )}
      <H>{t('handover.referralsTitle', { count: open.urgentReferrals.length })}</H>
      {open.urgentReferrals.length === 0 ? (
        <p className="muted">{t('handover.none')}</p>
      ) : (
        <ul className="handover-list" data-testid="handover-referrals">
          {open.urgentReferrals.map((r) => {
            const left = r.escalateAt ? Date.parse(r.escalateAt) - serverNow : null;
            return (
              <li key={r.id} data-referral-id={r.id}>
                <a className="mono" href={consultationHref(r.consultationId)}>
                  {r.reference}
                </a>{' '}
                {r.partner[locale]}{' '}
                <span className={left !== null && left <= 0 ? 'badge badge-red' : 'timer'}>
                  {left === null
                    ? t('handover.noEscalation')
                    : left > 0
                      ? t('handover.escalatesIn', { time: formatDuration(left) })
                      : t('handover.escalated')}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <H>{t('handover.followUpsTitle', { count: open.overdueFollowUps.length })}</H>
      {open.overdueFollowUps.length === 0 ? (
        <p className="muted">{t('handover.none')}</p>
      ) : (
        <ul className="handover-list" data-testid="handover-follow-ups">
          {open.overdueFollowUps.map((f) => (
            <li key={f.id} data-follow-up-id={f.id}>
              <a className="mono" href={consultationHref(f.consultationId)}>
                {f.reference ?? '—'}
              </a>{' '}
              {f.assignee ?? t('handover.shifts')}{' '}
              <span className="muted">
                · {t('handover.overdueSince', { time: formatDateTime(f.overdueAt, locale) })}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function IncomingNote({ note }: { note: HandoverNote }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const titleId = useId();

  async function markRead() {
    if (pending) return;
    const generation = signedInGeneration();
    setPending(true);
    setError(null);
    try {
      await handoverApi.markRead(note.id);
      if (generation === signedInGeneration()) await useHandoverStore.getState().load();
    } catch (e) {
      setError(e);
      void useHandoverStore.getState().load();
    } finally {
      setPending(false);
    }
  }

  return (
    <article
      className="handover-note"
      aria-labelledby={titleId}
      data-testid="handover-note"
      data-note-id={note.id}
    >
      <h3 id={titleId}>
        {t('handover.from', { name: note.author.displayName, time: formatDateTime(note.createdAt, locale) })}
      </h3>
      {note.body === null ? (
        <p className="muted">{t('handover.unreadable')}</p>
      ) : (
        <p className="handover-body" data-testid="handover-body">
          {note.body}
        </p>
      )}
      <button
        type="button"
        className="button button-primary"
        aria-disabled={pending || undefined}
        onClick={() => void markRead()}
      >
        {pending ? t('handover.marking') : t('handover.markRead')}
      </button>
      {error !== null && (
        <p className="inline-error" role="alert">
          {t('handover.markFailed')} {describeError(error, t)}
        </p>
      )}
    </article>
  );
}

/**
 * At the top of the board while another supervisor's hand-over note is unread: the note, what is open now, and
 * "Mark as read" (then nobody is shown it again). Nothing at all when there is none.
 */
export function HandoverNotes() {
  const { t } = useTranslation();
  const { list } = useHandover();
  const headingId = useId();
  if (!list || list.notes.length === 0) return null;
  return (
    <section className="panel handover-incoming" aria-labelledby={headingId} data-testid="handover-incoming">
      <h2 id={headingId}>{t('handover.incomingTitle', { count: list.notes.length })}</h2>
      {list.notes.map((n) => (
        <IncomingNote key={n.id} note={n} />
      ))}
      <OpenNow open={list.open} />
    </section>
  );
}

/** "Write the hand-over note": the text beside what the next shift will find open, sealed once sent. */
function WriteForm({ onSent, onCancel }: { onSent(): void; onCancel(): void }) {
  const { t } = useTranslation();
  const { list, status, error: loadError } = useHandover();
  const form = useZodForm(HandoverBody, { defaultValues: { body: '' } });
  const { failure, pending } = form;
  const invalid = form.errorOf('body');
  const body = form.watch('body') ?? '';
  const fieldId = useId();
  const hintId = useId();
  const errorId = useId();
  const { ref: fieldRef, ...bodyField } = form.register('body');
  const field = useRef<HTMLTextAreaElement | null>(null);

  useEffect(() => field.current?.focus(), []);

  const onSubmit = form.submit(async (data) => {
    const generation = signedInGeneration();
    await handoverApi.write(data.body);
    if (generation !== signedInGeneration()) return;
    form.reset({ body: '' });
    onSent();
  });

  return (
    <form
      ref={form.ref}
      className="handover-form"
      onSubmit={(e) => void onSubmit(e)}
      noValidate
      data-testid="handover-form"
    >
      <div className="handover-grid">
        <div className={invalid ? 'field field-invalid' : 'field'}>
          <label htmlFor={fieldId}>{t('handover.bodyLabel')}</label>
          <p id={hintId} className="field-hint">
            {t('handover.bodyHint', { max: HANDOVER_MAX_CHARS })}
          </p>
          <textarea
            {...bodyField}
            ref={(element) => {
              fieldRef(element);
              field.current = element;
            }}
            id={fieldId}
            rows={10}
            maxLength={HANDOVER_MAX_CHARS}
            aria-invalid={invalid ? true : undefined}
            aria-describedby={invalid ? `${hintId} ${errorId}` : hintId}
          />
          <p className="field-hint" aria-live="polite">
            {t('handover.chars', { count: body.length, max: HANDOVER_MAX_CHARS })}
          </p>
          {invalid && (
            <p id={errorId} className="field-error">
              {invalid}
            </p>
          )}
        </div>
        <aside className="handover-aside" aria-label={t('handover.openTitle')}>
          <h3>{t('handover.openTitle')}</h3>
          <p className="field-hint">{t('handover.openHint')}</p>
          {status === 'error' && (
            <p className="inline-error" role="alert">
              {t('handover.loadFailed')} {describeError(loadError, t)}
            </p>
          )}
          {list ? (
            <OpenNow open={list.open} headingLevel={4} />
          ) : (
            <p role="status">{t('handover.loading')}</p>
          )}
        </aside>
      </div>
      <div className="form-actions">
        <button type="submit" className="button button-primary" aria-disabled={pending || undefined}>
          {pending ? t('handover.sending') : t('handover.send')}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          {t('handover.cancel')}
        </button>
      </div>
      {failure !== null && (
        <p className="inline-error" role="alert">
          {t('handover.sendFailed')} {describeError(failure, t)}
        </p>
      )}
    </form>
  );
}

/** The outgoing supervisor's side: "Write the hand-over note", and word once it is saved. */
export function HandoverPanel() {
  const { t } = useTranslation();
  const [writing, setWriting] = useState(false);
  const [sent, setSent] = useState(false);
  const headingId = useId();
  useHandover();
  return (
    <section className="panel handover-panel" aria-labelledby={headingId} data-testid="handover-panel">
      <h2 id={headingId}>{t('handover.title')}</h2>
      <div role="status">
        {sent && !writing && <p className="alert alert-success">{t('handover.sent')}</p>}
      </div>
      {writing ? (
        <WriteForm
          onSent={() => {
            setWriting(false);
            setSent(true);
            void useHandoverStore.getState().load();
          }}
          onCancel={() => setWriting(false)}
        />
      ) : (
        <>
          <p className="muted">{t('handover.writeIntro')}</p>
          <button
            type="button"
            className="button"
            onClick={() => {
              setSent(false);
              setWriting(true);
            }}
          >
            {t('handover.write')}
          </button>
        </>
      )}
    </section>
  );
}
