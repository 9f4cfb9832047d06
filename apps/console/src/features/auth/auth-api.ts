import {
  EnrolmentStart,
  type Locale,
  type LoginBody,
  Me,
  OkBody,
  RecoveryCodes,
  SecondFactorStatus,
} from '@korgon/domain';
import { api } from '../../lib/api';

const EnrolmentDone = RecoveryCodes.extend({ me: Me });

export const authApi = {
  /** The current user, or a 401 when nobody is signed in on this device. */
  me: (expectUnauthenticated = false) => api.get('/api/auth/me', Me, expectUnauthenticated),
  login: (body: LoginBody) => api.post('/api/auth/login', body, Me, true),
  logout: () => api.post('/api/auth/logout', undefined, OkBody, true),
  setLocale: (locale: Locale) => api.patch('/api/me', { locale }, Me),
  /** The second factor: a new secret and its QR code (a pending `enrol` session, or one without a factor). */
  startEnrolment: () => api.post('/api/auth/second-factor/enrol', {}, EnrolmentStart),
  /** The first code from the app: the recovery codes (shown once) and the complete session's user. */
  confirmEnrolment: (code: string) =>
    api.post('/api/auth/second-factor/enrol/confirm', { code }, EnrolmentDone),
  /** The sign-in's second step: the app's code or a recovery code. */
  verifySecondFactor: (code: string) => api.post('/api/auth/second-factor/verify', { code }, Me),
  secondFactorStatus: () => api.get('/api/me/second-factor', SecondFactorStatus),
  regenerateRecoveryCodes: (code: string) =>
    api.post('/api/me/second-factor/recovery-codes', { code }, RecoveryCodes),
};
