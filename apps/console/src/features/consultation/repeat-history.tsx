import type { HistoryEntry, Taxonomy } from '@korgon/domain';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { consultationApi, loadTaxonomy } from '../../draft/consultation-api';
import { optionLabel } from '../../draft/fields';
import { useCurrentLocale } from '../../i18n/language';
import { describeError } from '../../lib/describe-error';
import { formatDateTime } from '../../lib/format';
import { levelClass, levelName } from '../../lib/risk-levels';

type Entry = z.infer<typeof HistoryEntry>;

/** A repeat caller: earlier consultations with the same (hashed) number, each with its own taxonomy's labels. */
export function RepeatHistory({ id, count }: { id: string; count: number }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [taxonomies, setTaxonomies] = useState<Record<string, Taxonomy>>({});
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    consultationApi.history(id).then(
      async (list) => {
        if (!live) return;
        setEntries(list);
        const versions = [...new Set(list.map((e) => e.taxonomyVersion))];
        const loaded = await Promise.allSettled(versions.map((v) => loadTaxonomy(v)));
        const byVersion: Record<string, Taxonomy> = {};
        for (const r of loaded) if (r.status === 'fulfilled') byVersion[r.value.version] = r.value;
        if (live) setTaxonomies(byVersion);
      },
      (e: unknown) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [id]);

  return (
    <section className="panel repeat-history" aria-labelledby="repeat-h" data-testid="repeat-history">
      <h2 id="repeat-h">{t('history.title', { count })}</h2>
      {error !== null && (
        <p className="alert alert-error">
          {t('history.loadFailed')} {describeError(error, t)}
        </p>
      )}
      {entries === null && error === null && <p className="muted">{t('history.loading')}</p>}
      {entries?.length === 0 && <p className="muted">{t('history.none')}</p>}
      {entries && entries.length > 0 && (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('history.date')}</th>
                <th scope="col">{t('history.contact')}</th>
                <th scope="col">{t('history.forms')}</th>
                <th scope="col">{t('history.risk')}</th>
                <th scope="col">{t('history.followUp')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => {
                const tx = taxonomies[e.taxonomyVersion] ?? null;
                return (
                  <tr key={e.id} data-testid="history-entry">
                    <th scope="row">
                      {formatDateTime(e.createdAt, locale)}
                      <br />
                      <span className="mono muted" data-testid="history-reference">
                        {e.reference}
                      </span>
                      {e.status === 'draft' && <span className="muted"> · {t('history.draft')}</span>}
                    </th>
                    <td>{e.contactKind ? optionLabel(tx, 'contactKinds', e.contactKind, locale) : '—'}</td>
                    <td data-testid="history-forms">
                      {e.violenceForms.length
                        ? e.violenceForms.map((f) => optionLabel(tx, 'violenceForms', f, locale)).join(', ')
                        : '—'}
                    </td>
                    <td>
                      {e.riskLevel ? (
                        <span className={`level-badge ${levelClass(e.riskLevel)}`}>
                          {levelName(e.riskLevel, locale, t)}
                        </span>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>
                      {e.followUp.agreed
                        ? e.followUp.due
                          ? t('history.followUpDue', { date: formatDateTime(e.followUp.due, locale) })
                          : t('history.followUpAgreed')
                        : '—'}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
