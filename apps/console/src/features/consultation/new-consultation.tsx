import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { startLocalDraft } from '../../draft/draft-storage';
import { selectMe, useAuthStore } from '../../lib/auth-store';
import { openConsultation } from '../../lib/route';

/**
 * Channels that open a consultation without a call on the line; `phone` is a call to the line the PBX never
 * reported (so it is in no queue).
 */
const WITHOUT_CALL = ['call_back', 'walk_in', 'message', 'phone'] as const;
type Channel = (typeof WITHOUT_CALL)[number];

/**
 * "New consultation without a call": a call-back, a walk-in, a message, or a phone call the queue never showed.
 * Saved from its first keystroke.
 */
export function NewConsultation() {
  const { t } = useTranslation();
  const userId = useAuthStore(selectMe)?.id ?? '';
  const [channel, setChannel] = useState<Channel>('call_back');
  const selectId = useId();
  const headingId = useId();

  function start(e: FormEvent) {
    e.preventDefault();
    openConsultation(startLocalDraft(userId, channel));
  }

  return (
    <section className="panel new-consultation" aria-labelledby={headingId} data-testid="new-consultation">
      <h2 id={headingId}>{t('desk.newTitle')}</h2>
      <form className="inline-form" onSubmit={start}>
        <div className="field">
          <label htmlFor={selectId}>{t('desk.channel')}</label>
          <select id={selectId} value={channel} onChange={(e) => setChannel(e.target.value as Channel)}>
            {WITHOUT_CALL.map((c) => (
              <option key={c} value={c}>
                {t(`desk.channels.${c}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button-primary">
          {t('desk.newStart')}
        </button>
      </form>
    </section>
  );
}
