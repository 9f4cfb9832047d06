import type { Taxonomy } from '@korgon/domain';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { fieldDomId } from '../../draft/fields';
import { useCurrentLocale } from '../../i18n/language';

type Plan = Record<string, boolean>;

/** The safety plan (docs/domain.md §6) as a checklist: the taxonomy's sections, each item worked through or not. */
export function SafetyPlan({
  taxonomy,
  value,
  onChange,
  error,
}: {
  taxonomy: Taxonomy;
  value: Plan;
  onChange(value: Plan): void;
  error?: string | undefined;
}) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const id = fieldDomId('safetyPlan');
  const toggle = (item: string, on: boolean) => {
    const next = { ...value };
    if (on) next[item] = true;
    else delete next[item];
    onChange(next);
  };

  return (
    <div className="safety-plan" data-testid="safety-plan">
      <fieldset
        id={id}
        className="choice-group choice-group-wide"
        aria-describedby={error ? `${id}-error` : undefined}
      >
        <legend>{t('safety.checklist')}</legend>
        {taxonomy.safetyPlan.map((section) => (
          <fieldset key={section.id} className="choice-subgroup" data-testid={`safety-section-${section.id}`}>
            <legend>{section.label[locale]}</legend>
            <div className="choices">
              {section.items
                .filter((item) => !item.retired || value[item.id])
                .map((item) => (
                  <label key={item.id} className="choice">
                    <input
                      type="checkbox"
                      id={`${id}--${item.id}`}
                      checked={value[item.id] === true}
                      onChange={(e) => toggle(item.id, e.target.checked)}
                    />
                    <span>{item.label[locale]}</span>
                  </label>
                ))}
            </div>
          </fieldset>
        ))}
        {error && (
          <p id={`${id}-error`} className="field-error">
            {error}
          </p>
        )}
      </fieldset>
      <PrintSafetyPlan taxonomy={taxonomy} value={value} />
    </div>
  );
}

/**
 * "Print safety plan": the print stylesheet hides the whole console and prints only this sheet, which holds
 * the section titles and the checked items in the UI language, and nothing that identifies anyone: no name,
 * no id, no notes, no code word, no date of the call. (@page margin 0 also drops the browser's own header
 * and footer, which would print the page title and address.)
 */
export function PrintSafetyPlan({ taxonomy, value }: { taxonomy: Taxonomy; value: Plan }) {
  const { t } = useTranslation();
  const locale = useCurrentLocale();
  const sections = taxonomy.safetyPlan
    .map((s) => ({ id: s.id, title: s.label[locale], items: s.items.filter((i) => value[i.id] === true) }))
    .filter((s) => s.items.length > 0);
  const empty = sections.length === 0;

  return (
    <div className="print-actions">
      <button
        type="button"
        className="button"
        aria-disabled={empty || undefined}
        aria-describedby="safety-print-hint"
        onClick={() => {
          if (!empty) window.print();
        }}
      >
        {t('safety.print')}
      </button>
      <p id="safety-print-hint" className="field-hint">
        {empty ? t('safety.printNothing') : t('safety.printHint')}
      </p>
      {createPortal(
        <div className="print-sheet" data-testid="safety-print" lang={locale}>
          {sections.map((s) => (
            <section key={s.id} className="print-section">
              <h2>{s.title}</h2>
              <ul>
                {s.items.map((i) => (
                  <li key={i.id}>{i.label[locale]}</li>
                ))}
              </ul>
            </section>
          ))}
        </div>,
        document.body,
      )}
    </div>
  );
}
