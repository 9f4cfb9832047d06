import type { ExportRequest } from '@korgon/domain';
import { ExportControl } from './exports-panel';

/**
 * The place for the Export control (issue 12's exports: `POST /api/exports`, its progress pushed live, the
 * download). The statistics screen renders this on each tab (the table, the queue figures, referral performance,
 * the follow-ups) with what is on screen (the report, the period, the dimensions or `by`); the control
 * (exports-panel.tsx) offers CSV and XLSX.
 */
export type ExportSlotRequest = Omit<ExportRequest, 'format'>;

export function ExportSlot({ request }: { request: ExportSlotRequest }) {
  return <ExportControl request={request} />;
}
