import type { Methodology } from '@korgon/domain';
import { useCallback, useEffect, useState } from 'react';
import { loadMethodology } from './risk-api';

/** A methodology document by id and version, or the active one (null). */
export function useMethodology(
  ref: { id: string; version: string } | null,
  enabled = true,
): {
  methodology: Methodology | null;
  error: unknown;
  retry(): void;
} {
  const [methodology, setMethodology] = useState<Methodology | null>(null);
  const [error, setError] = useState<unknown>(null);
  const id = ref?.id ?? null;
  const version = ref?.version ?? null;

  const load = useCallback(() => {
    let live = true;
    setError(null);
    loadMethodology(id && version ? { id, version } : null).then(
      (m) => {
        if (live) setMethodology(m);
      },
      (e: unknown) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [id, version]);

  useEffect(() => (enabled ? load() : undefined), [enabled, load]);

  const matches = methodology && (!id || (methodology.id === id && methodology.version === version));
  return { methodology: matches ? methodology : null, error, retry: load };
}
