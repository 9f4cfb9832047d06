import { useSyncExternalStore } from 'react';

/**
 * Whether this browser is a wall display's screen: set when it pairs, so that after a revoke (or an expired
 * session) it shows its pairing page rather than the staff sign-in. Not a secret: it only picks which page
 * a signed-out browser shows, and "Sign in with a username instead" clears it.
 */
const KEY = 'korgon.wall-screen';
const listeners = new Set<() => void>();

export function isWallScreen(): boolean {
  try {
    return window.localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

export function markWallScreen(on: boolean): void {
  if (on === isWallScreen()) return;
  try {
    if (on) window.localStorage.setItem(KEY, '1');
    else window.localStorage.removeItem(KEY);
  } catch {
    // Storage disabled: after a revoke the screen shows the sign-in page, from which #/wall/pair still opens.
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useWallScreen(): boolean {
  return useSyncExternalStore(subscribe, isWallScreen);
}
