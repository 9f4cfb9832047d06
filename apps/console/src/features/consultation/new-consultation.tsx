import { type FormEvent, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentLocale } from '../../i18n/language';
import { formatDateTime } from '../../lib/format';
import { selectMe, useAuthStore } from '../auth/auth-store';
import { consultationHref, openConsultation } from '../shell/route';
import { loadTaxonomy } from './consultation-api';
import { listDrafts, type StoredDraft, startLocalDraft } from './draft-storage';

/** Channels that open a consultation without a call on the line. */
const WITHOUT_CALL = ['call_back', 'walk_in', 'message'] as const;
type Channel = (typeof WITHOUT_CALL)[number];

/** "New consultation without a call": a call-back, a walk-in or a message. Saved from its first keystroke. */
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

/** Drafts this operator has on this device (the server keeps them too once saved), to come back to. */
export function LocalDrafts() {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const userId = useAuthStore(selectMe)?.id ?? '';
  const [drafts] = useState<StoredDraft[]>(() => listDrafts(userId));
  const [labels, setLabels] = useState<Record<string, string>>({});
  const headingId = useId();

  useEffect(() => {
    let live = true;
    loadTaxonomy(null).then(
      (tx) => {
        if (live) setLabels(Object.fromEntries(tx.channels.map((c) => [c.id, c.label[locale]])));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [locale]);

  if (drafts.length === 0) return null;
  return (
    <section className="panel local-drafts" aria-labelledby={headingId} data-testid="local-drafts">
      <h2 id={headingId}>{t('desk.draftsTitle')}</h2>
      <p className="field-hint">{t('desk.draftsIntro')}</p>
      <ul className="draft-list">
        {drafts.map((d) => (
          <li key={d.id} data-testid="local-draft" data-consultation-id={d.id}>
            <a href={consultationHref(d.id)}>
              {labels[d.channel] ?? d.channel} · {formatDateTime(d.keptAt, locale)}
            </a>
            {d.dirty && <span className="badge">{t('desk.draftUnsaved')}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
