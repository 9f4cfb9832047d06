import type { Taxonomy } from '@korgon/domain';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type DraftController, useDraft } from '../../draft/draft-controller';
import {
  type Draft,
  differingFields,
  type FieldDef,
  getField,
  sameValue,
  setField,
  showValue,
} from '../../draft/fields';
import { useCurrentLocale } from '../../i18n/language';

type Side = 'mine' | 'theirs';

/**
 * A 409: the draft was saved elsewhere (another tab or device) after this page's version. Both versions,
 * field by field for what differs; the operator chooses per field or takes one side whole, and the merged
 * record is saved on top of the server's current revision. Nothing is overwritten without a choice.
 */
export function MergeView({ c, taxonomy }: { c: DraftController; taxonomy: Taxonomy | null }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const conflict = useDraft(c, (s) => s.conflict);
  const mine = useDraft(c, (s) => s.draft);
  const base = useDraft(c, (s) => s.record);
  const [picked, setPicked] = useState<Record<string, Side>>({});
  const heading = useRef<HTMLHeadingElement>(null);
  const revision = conflict?.revision;

  useEffect(() => {
    if (revision === undefined) return;
    setPicked({});
    heading.current?.focus();
    heading.current?.scrollIntoView({ block: 'start' });
  }, [revision]);

  if (!conflict) return null;
  const theirs: Draft = { data: conflict.data, secret: conflict.secret };
  const before: Draft | null = base ? { data: base.data, secret: base.secret } : null;
  const fields = differingFields(mine, theirs);
  const changedHere = (def: FieldDef) =>
    !before || !sameValue(def, getField(mine, def.path), getField(before, def.path));
  const changedThere = (def: FieldDef) =>
    !before || !sameValue(def, getField(theirs, def.path), getField(before, def.path));
  // Where only the other version changed a field, taking it loses nothing typed here: that is the default.
  const sideOf = (def: FieldDef): Side => picked[def.path] ?? (changedHere(def) ? 'mine' : 'theirs');
  const show = (def: FieldDef, d: Draft) => showValue(def, getField(d, def.path), { t, locale, taxonomy });
  const all = (side: Side) => setPicked(Object.fromEntries(fields.map((f) => [f.path, side])));

  function save() {
    let merged = theirs;
    for (const def of fields)
      if (sideOf(def) === 'mine') merged = setField(merged, def.path, getField(mine, def.path));
    c.resolveConflict(merged);
    document.getElementById('consultation-h1')?.focus();
  }

  return (
    <section className="panel merge-view" aria-labelledby="merge-h" data-testid="merge-view">
      <h2 id="merge-h" ref={heading} tabIndex={-1}>
        {t('merge.title')}
      </h2>
      <p>{t('merge.intro', { revision: conflict.revision, name: conflict.operator.displayName })}</p>
      {fields.length === 0 ? (
        <p data-testid="merge-none">{t('merge.none')}</p>
      ) : (
        <>
          <div className="form-actions">
            <button type="button" className="button button-small" onClick={() => all('mine')}>
              {t('merge.allMine')}
            </button>
            <button type="button" className="button button-small" onClick={() => all('theirs')}>
              {t('merge.allTheirs')}
            </button>
          </div>
          <div className="merge-fields">
            {fields.map((def) => {
              const here = changedHere(def);
              const there = changedThere(def);
              const name = `merge-${def.path}`;
              return (
                <fieldset
                  key={def.path}
                  className="merge-field"
                  data-testid="merge-field"
                  data-path={def.path}
                >
                  <legend>
                    {t(`consultation.field.${def.path}`)}
                    {before && (
                      <span className="merge-tag">
                        {here && there
                          ? t('merge.changedBoth')
                          : here
                            ? t('merge.changedHere')
                            : t('merge.changedThere')}
                      </span>
                    )}
                  </legend>
                  {(['mine', 'theirs'] as const).map((side) => (
                    <label key={side} className={`merge-choice merge-${side}`}>
                      <input
                        type="radio"
                        name={name}
                        value={side}
                        checked={sideOf(def) === side}
                        onChange={() => setPicked((p) => ({ ...p, [def.path]: side }))}
                      />
                      <span className="merge-side">
                        {side === 'mine' ? t('merge.mine') : t('merge.theirs')}
                      </span>
                      <span className="merge-value" data-testid={`merge-${side}`}>
                        {show(def, side === 'mine' ? mine : theirs)}
                      </span>
                    </label>
                  ))}
                </fieldset>
              );
            })}
          </div>
        </>
      )}
      <div className="form-actions">
        <button type="button" className="button button-primary" data-testid="merge-save" onClick={save}>
          {t('merge.save')}
        </button>
      </div>
    </section>
  );
}
