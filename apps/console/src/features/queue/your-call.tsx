import type { QueueCall } from '@korgon/domain';
import { useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { consultationHref } from '../shell/route';
import { RepeatHint } from './call-row';
import { formatDuration, useServerNow, waitedMs } from './queue-hooks';

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
            return (
              <li key={call.id} className="my-call" data-testid="my-call" data-call-id={call.id}>
                <p className="call-line">{t('queue.line', { line: call.line })}</p>
                <dl className="facts">
                  <dt>{t('queue.waited')}</dt>
                  <dd className="timer">{waited === null ? '—' : formatDuration(waited)}</dd>
                  <dt>{t('queue.draft')}</dt>
                  <dd className="mono draft-id" data-testid="consultation-draft">
                    {call.consultationId ?? t('queue.noDraft')}
                  </dd>
                </dl>
                <RepeatHint call={call} />
                {call.consultationId && (
                  <a
                    className="button button-primary"
                    href={consultationHref(call.consultationId)}
                    data-testid="open-consultation"
                  >
                    {t('queue.openForm')}
                  </a>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
