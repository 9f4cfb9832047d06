import type { Locale, Taxonomy, TaxonomyList } from '@korgon/domain';
import { useCallback, useEffect, useState } from 'react';
import { loadTaxonomy } from '../../draft/consultation-api';
import type { Choice } from './form-controls';

/** The taxonomy a record was made under (null: the active one, for a record not on the server yet). */
export function useTaxonomy(
  version: string | null,
  enabled: boolean,
): { taxonomy: Taxonomy | null; error: unknown; retry(): void } {
  const [taxonomy, setTaxonomy] = useState<Taxonomy | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    let live = true;
    setError(null);
    loadTaxonomy(version).then(
      (t) => {
        if (live) setTaxonomy(t);
      },
      (e: unknown) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [version]);

  useEffect(() => (enabled ? load() : undefined), [enabled, load]);

  const shown = taxonomy && (version === null || taxonomy.version === version) ? taxonomy : null;
  return { taxonomy: shown, error, retry: load };
}

/** A list's options in the UI language; retired options only when a record already holds one. */
export function choicesOf(
  taxonomy: Taxonomy | null,
  list: TaxonomyList,
  locale: Locale,
  current?: string | readonly string[],
): Choice[] {
  const held = new Set(typeof current === 'string' ? [current] : (current ?? []));
  const options = (taxonomy?.[list] ?? []) as {
    id: string;
    label: Record<Locale, string>;
    retired?: boolean;
  }[];
  return options
    .filter((o) => !o.retired || held.has(o.id))
    .map((o) => ({ value: o.id, label: o.label[locale] }));
}
