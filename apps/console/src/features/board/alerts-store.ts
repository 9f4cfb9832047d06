import type { ReferralAlert, RiskAlert, ServerToClientEvents } from '@korgon/domain';
import { create } from 'zustand';
import { onSignedOut } from '../../lib/signed-in-state';

type SignOffRequested = Parameters<ServerToClientEvents['risk:sign-off-requested']>[0];
type Signed = Parameters<ServerToClientEvents['risk:signed']>[0];

const KEEP = 100;

export interface AlertEntry extends RiskAlert {
  /** Arrival order on this console, for keys and for announcing only what is new. */
  seq: number;
}

export type RequestState = 'open' | 'sending' | 'approved' | 'refused';

export interface SignOffEntry extends SignOffRequested {
  seq: number;
  state: RequestState;
  decidedBy: string | null;
  finalLevel: string | null;
}

export interface DecisionEntry extends Signed {
  seq: number;
}

/** A referral that failed, was escalated, or went out under a consent exception; `redirected` once acted on here. */
export interface ReferralAlertEntry extends ReferralAlert {
  seq: number;
  redirectedTo: string | null;
}

interface AlertsState {
  seq: number;
  alerts: AlertEntry[];
  requests: SignOffEntry[];
  decisions: DecisionEntry[];
  referralAlerts: ReferralAlertEntry[];
  addAlert(e: RiskAlert): void;
  addRequest(e: SignOffRequested): void;
  setRequestState(assessmentId: string, state: RequestState): void;
  signed(e: Signed): void;
  addReferralAlert(e: ReferralAlert): void;
  referralRedirected(seq: number, partnerName: string): void;
}

const initial = { seq: 0, alerts: [], requests: [], decisions: [], referralAlerts: [] };

/** What the board has been pushed since sign-in: risk and referral alerts, sign-off requests and their results. */
export const useAlertsStore = create<AlertsState>()((set) => ({
  ...initial,
  addAlert: (e) =>
    set((s) => ({ seq: s.seq + 1, alerts: [{ ...e, seq: s.seq + 1 }, ...s.alerts].slice(0, KEEP) })),
  addRequest: (e) =>
    set((s) => {
      if (s.requests.some((r) => r.assessmentId === e.assessmentId)) return s;
      const entry: SignOffEntry = { ...e, seq: s.seq + 1, state: 'open', decidedBy: null, finalLevel: null };
      return { seq: s.seq + 1, requests: [entry, ...s.requests].slice(0, KEEP) };
    }),
  setRequestState: (assessmentId, state) =>
    set((s) => ({
      requests: s.requests.map((r) =>
        r.assessmentId === assessmentId && (r.state === 'open' || r.state === 'sending')
          ? { ...r, state }
          : r,
      ),
    })),
  signed: (e) =>
    set((s) => ({
      seq: s.seq + 1,
      decisions: [{ ...e, seq: s.seq + 1 }, ...s.decisions].slice(0, KEEP),
      requests: s.requests.map((r) =>
        r.assessmentId === e.assessmentId
          ? { ...r, state: e.approved ? 'approved' : 'refused', decidedBy: e.by, finalLevel: e.finalLevel }
          : r,
      ),
    })),
  addReferralAlert: (e) =>
    set((s) => {
      if (s.referralAlerts.some((a) => a.referralId === e.referralId && a.kind === e.kind && a.at === e.at))
        return s;
      const entry: ReferralAlertEntry = { ...e, seq: s.seq + 1, redirectedTo: null };
      return { seq: s.seq + 1, referralAlerts: [entry, ...s.referralAlerts].slice(0, KEEP) };
    }),
  referralRedirected: (seq, partnerName) =>
    set((s) => ({
      referralAlerts: s.referralAlerts.map((a) => (a.seq === seq ? { ...a, redirectedTo: partnerName } : a)),
    })),
}));

onSignedOut(() => useAlertsStore.setState(initial));
