import type { ConsultationData } from '../consultation/schemas';
import type { Methodology } from '../risk/methodology';
import type { FollowUpKind } from './schemas';
import {
  bishkekDateAt,
  ORDER_FOLLOW_UP_HOUR,
  raiseTimeOf,
  type SafeWindow,
  safeWindowOf,
  TEMPORARY_ORDER_DAYS,
} from './time';

export interface PlannedFollowUp {
  kind: FollowUpKind;
  /** Unique per consultation: a second plan of the same consultation makes nothing new. */
  source: string;
  dueAt: Date;
  raiseAt: Date;
  window: SafeWindow | null;
  /** The operator's own (she agreed it, or her assessment asked for it), or the shift's (null). */
  assigneeId: string | null;
}

export interface PlanInput {
  data: ConsultationData;
  /** The operator who finalized it. */
  operatorId: string;
  now: Date;
  /** The saved assessment's final level and the actions its methodology version gives that level. */
  risk: { finalLevel: string; actions: Methodology['actions'][string] } | null;
  /** Days before a temporary order expires that the check-in call is due (config; default 5). */
  orderCheckinDaysBefore: number;
}

/**
 * The follow-ups a finalized consultation asks for (docs/domain.md §10), all from its data:
 * - an agreed call-back at its agreed time (the operator's);
 * - a temporary protection order: a check-in call some days before it expires and a risk reassessment when it
 *   expires (the shift's: she may not be on duty then); nothing for an order that has already run out;
 * - every action of the assessed level that carries `followUpHours` in the methodology's data (the
 *   operator's), unless an agreed call-back already comes back as soon.
 * Every time is moved into the caller's safe window.
 */
export function planFollowUps(input: PlanInput): PlannedFollowUp[] {
  const { data, now } = input;
  const window = safeWindowOf(data.safeContact);
  const out: PlannedFollowUp[] = [];
  const add = (kind: FollowUpKind, source: string, dueAt: Date, assigneeId: string | null) =>
    out.push({ kind, source, dueAt, raiseAt: raiseTimeOf(dueAt, window), window, assigneeId });

  let callbackDue: Date | null = null;
  if (data.followUp.agreed && data.followUp.due) {
    const due = new Date(data.followUp.due);
    callbackDue = new Date(Math.max(due.getTime(), now.getTime()));
    add('callback', 'callback', callbackDue, input.operatorId);
  }

  const order = data.protectionOrder;
  if (order.kind === 'temporary' && order.issuedOn && order.has !== 'no') {
    const expires = bishkekDateAt(order.issuedOn, TEMPORARY_ORDER_DAYS, ORDER_FOLLOW_UP_HOUR);
    if (expires > now) {
      const checkin = bishkekDateAt(
        order.issuedOn,
        TEMPORARY_ORDER_DAYS - input.orderCheckinDaysBefore,
        ORDER_FOLLOW_UP_HOUR,
      );
      add('order_checkin', 'order_checkin', new Date(Math.max(checkin.getTime(), now.getTime())), null);
      add('order_reassess', 'order_reassess', expires, null);
    }
  }

  for (const action of input.risk?.actions ?? []) {
    if (action.followUpHours === undefined) continue;
    const due = new Date(now.getTime() + action.followUpHours * 3_600_000);
    if (callbackDue && callbackDue <= due) continue;
    add('risk_action', action.id, due, input.operatorId);
  }
  return out;
}
