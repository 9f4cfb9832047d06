import { rooms } from '@korgon/domain';
import type { ReferralPush } from '@korgon/referrals';
import type { KorgonIo } from '../../plugins/socket';

/** Referral changes to the referring operator and the supervisors; the partner's view to its staff. */
export function createReferralPush(io: KorgonIo): ReferralPush {
  return {
    staff: (referral, createdBy) =>
      io.to([rooms.user(createdBy), rooms.role('supervisor')]).emit('referral:changed', referral),
    partner: (partnerOrgId, referral) =>
      io.to(rooms.partner(partnerOrgId)).emit('partner:referral', referral),
    alert: (alert) => io.to(rooms.role('supervisor')).emit('alert:referral', alert),
  };
}
