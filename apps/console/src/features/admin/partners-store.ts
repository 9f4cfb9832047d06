import { type CreatePartnerBody, Partner, type PartnerType, type UpdatePartnerBody } from '@korgon/domain';
import { z } from 'zod';
import { create } from 'zustand';
import { api } from '../../lib/api';
import { onSignedOut, signedInGeneration } from '../../lib/signed-in-state';

const q = encodeURIComponent;

export const partnersAdminApi = {
  list: () => api.get('/api/admin/partners', z.array(Partner)),
  create: (body: CreatePartnerBody) => api.post('/api/admin/partners', body, Partner),
  update: (id: string, body: UpdatePartnerBody) => api.patch(`/api/admin/partners/${q(id)}`, body, Partner),
  makeSecret: (id: string) =>
    api.post(`/api/admin/partners/${q(id)}/webhook-secret`, {}, z.object({ secret: z.string() })),
  escalation: (type: PartnerType, minutes: number) =>
    api.put(
      `/api/admin/partner-types/${q(type)}/escalation`,
      { minutes },
      z.object({ type: z.string(), minutes: z.number() }),
    ),
};

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

interface PartnersState {
  partners: Partner[];
  status: LoadStatus;
  error: unknown;
  load(): Promise<void>;
  /** Throws the ApiError for the form to show. */
  create(body: CreatePartnerBody): Promise<Partner>;
  update(id: string, body: UpdatePartnerBody): Promise<Partner>;
  /** The secret is returned once and kept nowhere here. */
  makeSecret(id: string): Promise<string>;
}

const initial = { partners: [] as Partner[], status: 'idle' as LoadStatus, error: null as unknown };

function upsert(list: Partner[], p: Partner): Partner[] {
  const at = list.findIndex((x) => x.id === p.id);
  return at === -1 ? [...list, p] : list.map((x, i) => (i === at ? p : x));
}

/** Every partner organisation, for the administrators. */
export const usePartnersAdminStore = create<PartnersState>()((set) => ({
  ...initial,

  async load() {
    const generation = signedInGeneration();
    set({ status: 'loading', error: null });
    try {
      const partners = await partnersAdminApi.list();
      if (generation === signedInGeneration()) set({ partners, status: 'ready' });
    } catch (error) {
      if (generation === signedInGeneration()) set({ status: 'error', error });
    }
  },

  async create(body) {
    const generation = signedInGeneration();
    const p = await partnersAdminApi.create(body);
    if (generation === signedInGeneration()) set((s) => ({ partners: upsert(s.partners, p) }));
    return p;
  },

  async update(id, body) {
    const generation = signedInGeneration();
    const p = await partnersAdminApi.update(id, body);
    if (generation === signedInGeneration()) set((s) => ({ partners: upsert(s.partners, p) }));
    return p;
  },

  async makeSecret(id) {
    const generation = signedInGeneration();
    const { secret } = await partnersAdminApi.makeSecret(id);
    if (generation === signedInGeneration())
      set((s) => ({
        partners: s.partners.map((p) => (p.id === id ? { ...p, hasWebhookSecret: true } : p)),
      }));
    return secret;
  },
}));

onSignedOut(() => usePartnersAdminStore.setState(initial));
