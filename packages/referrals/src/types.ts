import type { PartnerReferral, Referral } from '@korgon/domain';
import type pg from 'pg';

export type Queryable = Pick<pg.Pool | pg.PoolClient | pg.Client, 'query'>;

/** Where referral changes go: the server pushes with Socket.IO, the worker through the adapter's channel. */
export interface ReferralPush {
  staff(referral: Referral, createdBy: string): void;
  partner(partnerOrgId: string, referral: PartnerReferral): void;
}

export interface ReferralRow {
  id: string;
  /** R-2026-000045, given by the database at insert. */
  reference: string;
  consultation_id: string;
  partner_org_id: string;
  urgency: 'urgent' | 'standard';
  status: Referral['status'];
  consent_basis: string | null;
  consent_exception: string | null;
  /** Clear text only in rows from before sealing (sealed by the worker at start). */
  consent_exception_reason: string | null;
  consent_exception_reason_sealed: Buffer | null;
  fields: string[];
  content: Record<string, unknown>;
  message_sealed: Buffer | null;
  outcome_sealed: Buffer | null;
  key_version: number | null;
  rejection_reason: string | null;
  rejection_reason_sealed: Buffer | null;
  /** When retention removed the content and the sealed texts (null: they are there). */
  content_removed_at?: Date | null;
  attempts: number;
  last_error: string | null;
  created_by: string;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
