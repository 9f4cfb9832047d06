import {
  type Clock,
  ErrorBody,
  HandoverBody,
  HandoverIdParams,
  HandoverList,
  HandoverNote,
} from '@korgon/domain';
import { type NotesKeyOptions, notesKeyringOf } from '@korgon/signing';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authOf } from '../../plugins/auth';
import { createHandoverService } from './service';

const tags = ['board'];
const guarded = { 401: ErrorBody, 403: ErrorBody };

/** The shift hand-over note on the board (docs/board.md, "Acting"). */
const handover: FastifyPluginAsyncZod<NotesKeyOptions & { clock: Clock }> = async (app, opts) => {
  const service = createHandoverService({
    db: app.db,
    pool: app.pool,
    key: notesKeyringOf(opts),
    io: app.io,
    clock: opts.clock,
  });

  app.post(
    '/api/board/handover',
    {
      config: { permission: 'board:use' },
      schema: {
        tags,
        summary:
          'Write the shift hand-over note (sealed at rest, audited); shown to the other supervisors until read',
        body: HandoverBody,
        response: { 201: HandoverNote, 400: ErrorBody, ...guarded },
      },
    },
    async (req, reply) => reply.code(201).send(await service.write(req.body.body, authOf(req).user)),
  );

  app.get(
    '/api/board/handover',
    {
      config: { permission: 'board:use' },
      schema: {
        tags,
        summary:
          'The hand-over notes other supervisors left unread (newest first), and what is open now: alerts, urgent referrals awaiting acknowledgement, overdue follow-ups',
        response: { 200: HandoverList, ...guarded },
      },
    },
    async (req) => service.list(authOf(req).user),
  );

  app.post(
    '/api/board/handover/:id/read',
    {
      config: { permission: 'board:use' },
      schema: {
        tags,
        summary: 'Mark a hand-over note read (audited): it is no longer shown. Not by its author',
        params: HandoverIdParams,
        response: { 200: HandoverNote, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => service.markRead(req.params.id, authOf(req).user),
  );
};
export default handover;
