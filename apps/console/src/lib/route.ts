import { AREAS, type AreaId, homeAreaOf, type Role } from '@korgon/domain';
import { useSyncExternalStore } from 'react';
import { onSignedOut } from './signed-in-state';

/**
 * Hash routes: #/desk, #/board, #/statistics, #/admin, #/inbox, #/sessions, and one consultation at
 * #/consultations/<uuid> (part of the desk), so a reload reopens the form it was on.
 */
export type RoutePath = AreaId | 'sessions';
export type Route =
  | { kind: 'area'; area: AreaId }
  | { kind: 'sessions' }
  | { kind: 'consultation'; id: string }
  | { kind: 'unknown' };

const AREA_IDS: readonly AreaId[] = AREAS.map((a) => a.id);
const CONSULTATION = /^consultations\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, '');
  if (path === 'sessions') return { kind: 'sessions' };
  const consultation = CONSULTATION.exec(path);
  if (consultation?.[1]) return { kind: 'consultation', id: consultation[1].toLowerCase() };
  // An area may keep its own state after a `?` (the statistics' period and dimensions), so a link can be shared.
  const areaPath = path.split('?')[0];
  const area = AREA_IDS.find((id) => id === areaPath);
  return area ? { kind: 'area', area } : { kind: 'unknown' };
}

/**
 * #/wall/pair?code=ABCD-2345&lang=ru: a wall display's pairing page (the link an administrator gets), shown
 * while nobody is signed in. The code stays in the fragment, which the browser never sends to a server.
 */
export function wallPairingOf(hash: string): { code: string; lang: string | null } | null {
  const match = /^#\/?wall\/pair(?:\?(.*))?$/.exec(hash);
  if (!match) return null;
  const params = new URLSearchParams(match[1] ?? '');
  return { code: params.get('code') ?? '', lang: params.get('lang') };
}

export function hrefOf(path: RoutePath): string {
  return `#/${path}`;
}

export function consultationHref(id: string): string {
  return `#/consultations/${id}`;
}

/** Opens a consultation form (a history entry: Back returns to where the operator was). */
export function openConsultation(id: string): void {
  window.location.hash = consultationHref(id);
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

/** Rewrites the fragment (an area's own state after its `?`) without a history entry. */
export function replaceHash(hash: string): void {
  if (hash === window.location.hash) return;
  window.history.replaceState(window.history.state, '', hash);
  notify();
}

export function navigateHome(role: Role): void {
  replaceRoute(homeAreaOf(role));
}

/** The location's fragment as it is now (re-rendering when it changes). */
export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash);
}

export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, () => window.location.hash));
}

// Signed out: forget where the last user was, so the next one lands on their own home.
onSignedOut(() => {
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  notify();
});
