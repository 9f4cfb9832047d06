import type { QueueCall } from '@korgon/domain';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../lib/describe-error';
import { consultationHref, openConsultation } from '../../lib/route';
import { signedInGeneration } from '../../lib/signed-in-state';
import { RepeatHint } from './call-row';
import { queueApi } from './queue-api';
import { formatDuration, useServerNow, waitedMs } from './queue-hooks';
import { checkQueue } from './queue-live';

/**
 * Opens the consultation of a call that has none yet (answered at her phone before the draft existed, or
 * assigned): the server opens one per call, so two tabs clicking at once land on the same draft.
 */
function OpenDraftButton({ call, describedBy }: { call: QueueCall; describedBy: string }) {
  const { t } = useTranslation();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function open() {
    if (pending) return;
    const generation = signedInGeneration();
    setPending(true);
    setError(null);
    try {
      const result = await queueApi.openConsultation(call.id);
      if (generation !== signedInGeneration()) return;
      checkQueue();
      openConsultation(result.consultationId);
    } catch (e) {
      setError(e);
    } finally {
      setPending(false);
    }
  }

  return (
    <>
      <button
        type="button"
        className="button button-primary"
        aria-describedby={describedBy}
        aria-disabled={pending || undefined}
        data-testid="open-consultation"
        onClick={() => void open()}
      >
        {pending ? t('queue.opening') : t('queue.openForm')}
      </button>
      {error !== null && (
        <p className="inline-error" role="alert">
          {t('queue.openFailed')} {describeError(error, t)}
        </p>
      )}
    </>
  );
}

/** The call the operator has: its line, the consultation draft opened for it, and the way to its form. */
export function YourCall({ calls }: { calls: readonly QueueCall[] }) {
  const { t } = useTranslation();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const serverNow = useServerNow();
  const count = calls.length;
  const before = useRef(count);

  // Taking a call removes the button that had focus: bring focus here rather than leave it nowhere.
  useEffect(() => {
    const gained = count > before.current;
    before.current = count;
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (gained && lost) heading.current?.focus();
  }, [count]);

  return (
    <section className="panel your-call" aria-labelledby={headingId} data-testid="your-call">
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        {t('queue.yourCallTitle')}
      </h2>
      {count === 0 ? (
        <p className="muted">{t('queue.noCall')}</p>
      ) : (
        <ul className="my-calls">
          {calls.map((call) => {
            const waited = waitedMs(call, serverNow);
            const lineId = `${headingId}-${call.id}`;
            return (
              <li key={call.id} className="my-call" data-testid="my-call" data-call-id={call.id}>
                <p className="call-line" id={lineId}>
                  {t('queue.line', { line: call.line })}
                </p>
                {call.assignedBy && (
                  <p className="field-hint acting-given" data-testid="given-by">
                    {t('acting.givenBy', { name: call.assignedBy.displayName })}
                  </p>
                )}
                {call.extension && !call.takenAt && (
                  <p className="field-hint" data-testid="answered-at">
                    {t('queue.answeredAt', { extension: call.extension })}
                  </p>
                )}
                <dl className="facts">
                  <dt>{t('queue.waited')}</dt>
                  <dd className="timer">{waited === null ? '—' : formatDuration(waited)}</dd>
                  <dt>{t('queue.draft')}</dt>
                  <dd className="mono draft-id" data-testid="consultation-draft">
                    {call.consultationId ? (call.consultationReference ?? '—') : t('queue.noDraft')}
                  </dd>
                </dl>
                <RepeatHint call={call} />
                {call.consultationId ? (
                  <a
                    className="button button-primary"
                    href={consultationHref(call.consultationId)}
                    data-testid="open-consultation"
                  >
                    {t('queue.openForm')}
                  </a>
                ) : (
                  <OpenDraftButton call={call} describedBy={lineId} />
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
