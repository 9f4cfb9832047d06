import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0] & {
  route: { config?: { public?: boolean; signed?: boolean; permission?: string } };
};

/**
 * Every documented operation says who may call it, read from the route's own guard config (plugins/auth.ts):
 * `x-korgon-permission` is the permission it needs, or `public`, or `signed` (a request signature instead of a
 * session). The access-matrix test (docs/security.md) holds the server's answers against it and the domain's
 * permission table, so the document cannot drift from the guard.
 */
function withPermission(input: TransformInput) {
  const out = jsonSchemaTransform(input);
  const cfg = input.route.config ?? {};
  const access = cfg.public ? 'public' : cfg.signed ? 'signed' : cfg.permission;
  if (!access || (out.schema as { hide?: boolean } | undefined)?.hide) return out;
  return { ...out, schema: { ...(out.schema ?? {}), 'x-korgon-permission': access } };
}

/** The OpenAPI document, generated from the same zod schemas that validate requests. */
export default fp(
  async (app: FastifyInstance, opts: { publicUrl: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Korgon API',
          version: '0.1.0',
          description:
            'The API of Korgon, the console of the 5200 hotline. Staff routes are authenticated by the session cookie set by POST /api/auth/login; state-changing requests must send an Origin header naming the server. PBX and partner routes are authenticated by an HMAC signature instead.',
        },
        servers: [{ url: opts.publicUrl }],
        components: {
          securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'korgon_session' } },
        },
        security: [{ session: [] }],
      },
      transform: withPermission,
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(swaggerUi, {
      routePrefix: '/api/docs',
      staticCSP: true,
      uiConfig: { docExpansion: 'list' },
    });
    app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
      app.swagger(),
    );
  },
  { name: 'openapi' },
);
