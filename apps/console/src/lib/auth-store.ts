import type { Locale, LoginBody, Me } from '@korgon/domain';
import { create } from 'zustand';
import { ApiError } from './api';
import { authApi } from './auth-api';
import { clearSignedInState } from './signed-in-state';

export type AuthStatus = 'loading' | 'signed-out' | 'signed-in';
/** Why the sign-in page is showing, when there is something to say. */
export type SignedOutNotice = 'signed-out' | 'session-ended' | 'unreachable';

interface AuthState {
  status: AuthStatus;
  me: Me | null;
  notice: SignedOutNotice | null;
  /** On start: is there a session already? */
  restore(): Promise<void>;
  /** Throws the ApiError of a failed sign-in for the form to show. */
  signIn(body: LoginBody): Promise<Me>;
  /** Signed in another way than the password form (a wall display's screen paired with its code). */
  signedInAs(me: Me): void;
  signOut(): Promise<void>;
  /** The session ended elsewhere (a 401, or the socket said so). */
  endSession(): void;
  /** Changes the signed-in user's language on the server; reverts and throws on failure. */
  changeLocale(locale: Locale): Promise<void>;
  /** The user's language changed in another tab or device. */
  localeChangedElsewhere(locale: Locale): void;
  /** The one-time password was replaced by the user's own: the console opens. */
  passwordChanged(): void;
  /** The second factor is done (its code, or enrolment): the session is a full one now. */
  secondFactorPassed(me: Me): void;
}

let restoring: Promise<void> | null = null;

function signedOut(notice: SignedOutNotice | null) {
  clearSignedInState();
  return { status: 'signed-out' as const, me: null, notice };
}

export const useAuthStore = create<AuthState>()((set, get) => ({
  status: 'loading',
  me: null,
  notice: null,

  restore() {
    restoring ??= authApi
      .me(true)
      .then((me) => set({ status: 'signed-in', me, notice: null }))
      .catch((error: unknown) => {
        const unreachable = error instanceof ApiError && error.status !== 401;
        set({ status: 'signed-out', me: null, notice: unreachable ? 'unreachable' : null });
      })
      .finally(() => {
        restoring = null;
      });
    return restoring;
  },

  async signIn(body) {
    set({ notice: null });
    const me = await authApi.login(body);
    set({ status: 'signed-in', me, notice: null });
    return me;
  },

  signedInAs(me) {
    set({ status: 'signed-in', me, notice: null });
  },

  async signOut() {
    try {
      await authApi.logout();
    } catch {
      // Signed out here either way; the server drops the session when it expires.
    }
    set(signedOut('signed-out'));
  },

  endSession() {
    if (get().status !== 'signed-in') return;
    set(signedOut('session-ended'));
  },

  async changeLocale(locale) {
    const before = get().me;
    if (!before || before.locale === locale) return;
    set({ me: { ...before, locale } });
    try {
      const me = await authApi.setLocale(locale);
      if (get().me?.id === me.id) set({ me });
    } catch (error) {
      const now = get().me;
      if (now?.id === before.id) set({ me: { ...now, locale: before.locale } });
      throw error;
    }
  },

  localeChangedElsewhere(locale) {
    const me = get().me;
    if (me && me.locale !== locale) set({ me: { ...me, locale } });
  },

  passwordChanged() {
    const me = get().me;
    if (me?.mustChangePassword) set({ me: { ...me, mustChangePassword: false } });
  },

  secondFactorPassed(me) {
    set({ status: 'signed-in', me, notice: null });
  },
}));

export const selectStatus = (s: AuthState) => s.status;
export const selectMe = (s: AuthState) => s.me;
export const selectNotice = (s: AuthState) => s.notice;
