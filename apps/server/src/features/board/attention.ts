import { shiftWindow } from '@korgon/board';
import {
  ATTENTION_LIST_LIMIT,
  BoardAttention,
  type Clock,
  ErrorBody,
  type FollowUpKind,
  overdueAtOf,
} from '@korgon/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createAttentionRepository } from './attention-repository';

export interface AttentionOptions {
  clock: Clock;
  /** BOARD_SHIFTS: when shifts change, HH:MM Asia/Bishkek. */
  shifts: readonly string[];
}

/** `GET /api/board/attention`: the board's risk and referral lists (docs/board.md "Board screen"). */
const boardAttention: FastifyPluginAsyncZod<AttentionOptions> = async (app, opts) => {
  const repo = createAttentionRepository(app.db);

  app.get(
    '/api/board/attention',
    {
      config: { permission: 'board:use' },
      schema: {
        tags: ['board'],
        summary:
          'What needs a supervisor now: high and critical consultations of the shift, urgent referrals awaiting acknowledgement, failed or escalated referrals, overdue follow-ups. References and times only: no caller data, no free text',
        response: { 200: BoardAttention, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (): Promise<BoardAttention> => {
      const now = opts.clock.now();
      const shiftStart = shiftWindow(now, opts.shifts).from;
      const [high, urgent, failed, raised] = await Promise.all([
        repo.highRisk(shiftStart),
        repo.urgentAwaiting(),
        repo.failedOrEscalated(),
        repo.raisedFollowUps(now),
      ]);
      const overdue = raised
        .map((f) => {
          const window = f.windowFrom && f.windowTo ? { from: f.windowFrom, to: f.windowTo } : null;
          return { ...f, overdueAt: overdueAtOf(f.raiseAt, window) };
        })
        .filter((f) => f.overdueAt <= now)
        .sort((a, b) => a.overdueAt.getTime() - b.overdueAt.getTime())
        .slice(0, ATTENTION_LIST_LIMIT);
      return {
        at: now.toISOString(),
        shiftStart: shiftStart.toISOString(),
        highRisk: high.map((k) => ({
          consultationId: k.consultationId,
          reference: k.reference,
          level: k.level as 'high' | 'critical',
          operator: { id: k.operatorId, displayName: k.operatorName },
          status: k.status,
          assessedAt: k.assessedAt.toISOString(),
          createdAt: k.createdAt.toISOString(),
        })),
        urgentReferrals: urgent.map((r) => ({
          ...r,
          status: r.status as 'queued' | 'sent' | 'delivered',
          sentAt: r.sentAt.toISOString(),
          escalateAt: r.escalateAt?.toISOString() ?? null,
        })),
        failedOrEscalated: failed.map((r) => ({
          ...r,
          urgency: r.urgency as 'urgent' | 'standard',
          state: r.state as 'failed' | 'escalated',
          at: r.at.toISOString(),
        })),
        overdueFollowUps: overdue.map((f) => ({
          followUpId: f.followUpId,
          consultationId: f.consultationId,
          consultationReference: f.consultationReference,
          kind: f.kind as FollowUpKind,
          overdueSince: f.overdueAt.toISOString(),
          assignee: f.assigneeId ? { id: f.assigneeId, displayName: f.assigneeName ?? '' } : null,
        })),
      };
    },
  );
};
export default boardAttention;
