import {
  EnrolmentStart,
  type Locale,
  type LoginBody,
  Me,
  OkBody,
  RecoveryCodes,
  SecondFactorStatus,
} from '@korgon/domain';
import { api } from './api';

const EnrolmentDone = RecoveryCodes.extend({ me: Me });

export const authApi = {
  /** The current user, or a 401 when nobody is signed in on this device. */
  me: (expectUnauthenticated = false) => api.get('/api/auth/me', { parse: Me, expectUnauthenticated }),
  login: (body: LoginBody) => api.post('/api/auth/login', { body, parse: Me, expectUnauthenticated: true }),
  logout: () => api.post('/api/auth/logout', { parse: OkBody, expectUnauthenticated: true }),
  setLocale: (locale: Locale) => api.patch('/api/me', { body: { locale }, parse: Me }),
  /** The second factor: a new secret and its QR code (a pending `enrol` session, or one without a factor). */
  startEnrolment: () => api.post('/api/auth/second-factor/enrol', { parse: EnrolmentStart }),
  /** The first code from the app: the recovery codes (shown once) and the complete session's user. */
  confirmEnrolment: (code: string) =>
    api.post('/api/auth/second-factor/enrol/confirm', { body: { code }, parse: EnrolmentDone }),
  /** The sign-in's second step: the app's code or a recovery code. */
  verifySecondFactor: (code: string) =>
    api.post('/api/auth/second-factor/verify', { body: { code }, parse: Me }),
  secondFactorStatus: () => api.get('/api/me/second-factor', { parse: SecondFactorStatus }),
  regenerateRecoveryCodes: (code: string) =>
    api.post('/api/me/second-factor/recovery-codes', { body: { code }, parse: RecoveryCodes }),
};
