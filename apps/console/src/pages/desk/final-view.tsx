import type { Taxonomy } from '@korgon/domain';
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type DraftController, useDraft } from '../../draft/draft-controller';
import { FIELDS, getField, SECTIONS, showValue } from '../../draft/fields';
import { PrintSafetyPlan } from '../../features/consultation/safety-plan';
import { SavedAssessment } from '../../features/risk/saved-assessment';
import { useMethodology } from '../../features/risk/use-methodology';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { formatDate, formatDateTime } from '../../lib/format';

/**
 * A record read-only: every field with its record's own labels. A final record adds signed addenda, its
 * only change; a draft shown here is another operator's, opened by a supervisor.
 */
export function FinalView({ c, taxonomy }: { c: DraftController; taxonomy: Taxonomy | null }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const record = useDraft(c, (s) => s.record);
  const lost = useDraft(c, (s) => s.lostOnFinal);
  const saved = useDraft(c, (s) => s.savedRisk);
  const { methodology } = useMethodology(
    saved ? { id: saved.methodologyId, version: saved.methodologyVersion } : null,
    saved !== null,
  );
  if (!record) return null;
  const draft = { data: record.data, secret: record.secret };
  // Free text shredded by retention: said where it was, and once above (docs/security.md "Retention").
  const removed = record.notesShreddedAt
    ? t('retention.removedOn', { date: formatDate(record.notesShreddedAt, locale) })
    : null;

  return (
    <div className="final-view" data-testid="consultation-final">
      {record.status === 'final' && (
        <p className="alert alert-success" data-testid="final-notice">
          {t('final.notice', { date: record.finalizedAt ? formatDateTime(record.finalizedAt, locale) : '' })}
        </p>
      )}
      {removed && (
        <p className="alert alert-info" data-testid="retention-removed">
          {removed}
        </p>
      )}
      {lost.length > 0 && (
        <div className="alert alert-warning" role="alert" data-testid="lost-on-final">
          <p>{t('final.lost')}</p>
          <ul>
            {lost.map((p) => (
              <li key={p}>{t(`consultation.field.${p}`)}</li>
            ))}
          </ul>
        </div>
      )}
      {SECTIONS.filter((s) => s !== 'risk').map((section) => {
        const fields = FIELDS.filter((f) => f.section === section);
        return (
          <section key={section} className="panel final-section" aria-labelledby={`final-${section}`}>
            <h2 id={`final-${section}`}>{t(`consultation.section.${section}`)}</h2>
            <dl className="facts">
              {fields.map((f) => (
                <div key={f.path} className="fact" data-testid={`final-${f.path}`}>
                  <dt>{t(`consultation.field.${f.path}`)}</dt>
                  <dd>
                    {removed && f.path.startsWith('secret.') ? (
                      <span className="muted">{removed}</span>
                    ) : (
                      showValue(f, getField(draft, f.path), { t, locale, taxonomy })
                    )}
                  </dd>
                </div>
              ))}
            </dl>
            {section === 'safetyPlan' && taxonomy && (
              <PrintSafetyPlan taxonomy={taxonomy} value={record.data.safetyPlan} />
            )}
          </section>
        );
      })}
      <section className="panel final-section" aria-labelledby="final-risk">
        <h2 id="final-risk">{t('consultation.section.risk')}</h2>
        {saved ? (
          <SavedAssessment saved={saved} methodology={methodology} showAnswers />
        ) : (
          <p className="muted">{t('risk.noneSaved')}</p>
        )}
      </section>
      {record.status === 'final' && <Addenda c={c} />}
    </div>
  );
}

const NO_ADDENDA: never[] = [];

function Addenda({ c }: { c: DraftController }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const addenda = useDraft(c, (s) => s.record?.addenda ?? NO_ADDENDA);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [empty, setEmpty] = useState(false);
  const [done, setDone] = useState(false);
  const textId = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (sending) return;
    if (!text.trim()) {
      setEmpty(true);
      document.getElementById(textId)?.focus();
      return;
    }
    setSending(true);
    setError(null);
    setDone(false);
    try {
      await c.addAddendum(text.trim());
      setText('');
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setSending(false);
    }
  }

  return (
    <section className="panel addenda" aria-labelledby="addenda-h" data-testid="addenda">
      <h2 id="addenda-h">{t('addenda.title')}</h2>
      {addenda.length === 0 ? (
        <p className="muted">{t('addenda.none')}</p>
      ) : (
        <ol className="addendum-list">
          {addenda.map((a) => (
            <li key={a.id} className="addendum" data-testid="addendum">
              <p className="addendum-meta">
                <span data-testid="addendum-author">{a.author.displayName}</span> ·{' '}
                <span>{formatDateTime(a.createdAt, locale)}</span> ·{' '}
                <span className="mono" title={a.signature} data-testid="addendum-signature">
                  {t('addenda.signature', { hash: a.signature.slice(0, 12) })}
                </span>
              </p>
              {a.shreddedAt ? (
                <p className="addendum-text muted" data-testid="addendum-removed">
                  {t('retention.removedOn', { date: formatDate(a.shreddedAt, locale) })}
                </p>
              ) : (
                <p className="addendum-text">{a.text}</p>
              )}
            </li>
          ))}
        </ol>
      )}
      <form className="form" noValidate onSubmit={(e) => void submit(e)} data-testid="addendum-form">
        <div className={empty ? 'field field-invalid' : 'field'}>
          <label htmlFor={textId}>{t('addenda.text')}</label>
          <p id={`${textId}-hint`} className="field-hint">
            {t('addenda.hint')}
          </p>
          <textarea
            id={textId}
            rows={3}
            maxLength={5000}
            value={text}
            aria-invalid={empty || undefined}
            aria-describedby={`${textId}-hint${empty ? ` ${textId}-error` : ''}`}
            onChange={(e) => {
              setText(e.target.value);
              setEmpty(false);
            }}
          />
          {empty && (
            <p id={`${textId}-error`} className="field-error">
              {t('addenda.empty')}
            </p>
          )}
        </div>
        <div className="form-actions">
          <button type="submit" className="button button-primary" aria-disabled={sending || undefined}>
            {sending ? t('addenda.adding') : t('addenda.add')}
          </button>
          <p className="form-status" role="status">
            {done ? t('addenda.added') : ''}
          </p>
        </div>
        {error !== null && (
          <p className="alert alert-error" role="alert">
            {t('addenda.failed')} {describeError(error, t)}
          </p>
        )}
      </form>
    </section>
  );
}
