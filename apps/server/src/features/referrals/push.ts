import { referralStaffRooms, rooms } from '@korgon/domain';
import type { ReferralPush } from '@korgon/referrals';
import type { KorgonIo } from '../../plugins/socket';

/**
 * Referral changes to the referring operator and the supervisors; the partner's view to its staff. `changed`
 * follows every change (the board's figures count urgent, failed and escalated referrals).
 */
export function createReferralPush(io: KorgonIo, changed: () => void = () => {}): ReferralPush {
  return {
    staff: (referral, createdBy) => {
      io.to(referralStaffRooms(createdBy)).emit('referral:changed', referral);
      changed();
    },
    partner: (partnerOrgId, referral) =>
      io.to(rooms.partner(partnerOrgId)).emit('partner:referral', referral),
  };
}
