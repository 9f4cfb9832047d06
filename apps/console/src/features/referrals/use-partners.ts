import type { Partner } from '@korgon/domain';
import { useCallback, useEffect, useState } from 'react';
import { onSignedOut } from '../../lib/signed-in-state';
import { referralsApi } from './referrals-api';

let cached: Promise<Partner[]> | null = null;

/** The active partner organisations, read once per sign-in (again after a failure, or when asked). */
export function loadPartners(fresh = false): Promise<Partner[]> {
  if (fresh || !cached) {
    const p = referralsApi.partners();
    p.catch(() => {
      if (cached === p) cached = null;
    });
    cached = p;
  }
  return cached;
}

onSignedOut(() => {
  cached = null;
});

export function usePartners(enabled = true): { partners: Partner[] | null; error: unknown; retry(): void } {
  const [partners, setPartners] = useState<Partner[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!enabled) return;
    let live = true;
    setError(null);
    loadPartners(attempt > 0).then(
      (p) => {
        if (live) setPartners(p);
      },
      (e: unknown) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [enabled, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { partners, error, retry };
}
