/**
 * Every key of the server state the console keeps in TanStack Query, in one place: a push or a mutation that
 * changes a list names the same key the list was read under.
 */
export const queryKeys = {
  users: ['admin', 'users'] as const,
  adminPartners: ['admin', 'partners'] as const,
  /** The active partner organisations, as the referral form offers them. */
  partners: ['partners'] as const,
  sessions: ['account', 'sessions'] as const,
  inbox: ['inbox'] as const,
  keys: ['admin', 'keys'] as const,
  exports: ['exports'] as const,
  /** One statistics read: its key names the figures and the period (pages/statistics/statistics-api.ts). */
  statistics: (key: string) => ['statistics', key] as const,
  retentionRuns: ['admin', 'retention', 'runs'] as const,
  wallDisplays: ['admin', 'wall-displays'] as const,
  /** The desk's "My work": everything under `all` is read again at a `my-work:changed` push. */
  myWork: {
    all: ['my-work'] as const,
    shift: ['my-work', 'shift'] as const,
    consultations: (search: object) => ['my-work', 'consultations', search] as const,
  },
};
