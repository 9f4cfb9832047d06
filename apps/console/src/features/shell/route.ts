import { AREAS, type AreaId, homeAreaOf, type Role } from '@korgon/domain';
import { useSyncExternalStore } from 'react';
import { onSignedOut } from '../../lib/signed-in-state';

/** Hash routes: #/desk, #/board, #/statistics, #/admin, #/inbox and #/sessions. */
export type RoutePath = AreaId | 'sessions';
export type Route = { kind: 'area'; area: AreaId } | { kind: 'sessions' } | { kind: 'unknown' };

const AREA_IDS: readonly AreaId[] = AREAS.map((a) => a.id);

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, '');
  if (path === 'sessions') return { kind: 'sessions' };
  const area = AREA_IDS.find((id) => id === path);
  return area ? { kind: 'area', area } : { kind: 'unknown' };
}

export function hrefOf(path: RoutePath): string {
  return `#/${path}`;
}

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('hashchange', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('hashchange', listener);
  };
}

function notify(): void {
  for (const listener of listeners) listener();
}

/** Goes to a route without adding a history entry (redirects, landing after sign-in). */
export function replaceRoute(path: RoutePath): void {
  window.history.replaceState(window.history.state, '', hrefOf(path));
  notify();
}

export function navigateHome(role: Role): void {
  replaceRoute(homeAreaOf(role));
}

export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, () => window.location.hash));
}

// Signed out: forget where the last user was, so the next one lands on their own home.
onSignedOut(() => {
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  notify();
});
