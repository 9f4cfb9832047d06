import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';

/** The console's own folder, so `vite build` writes to apps/console/dist wherever it is started from. */
const root = decodeURIComponent(new URL('.', import.meta.url).pathname);
const server = 'http://localhost:8080';

/**
 * The server accepts cookie-authenticated changes only from its own origin. In development the page comes
 * from the Vite server, so a request whose Origin is this dev server is presented as coming from the API's.
 * Any other Origin passes through untouched and is refused as usual.
 */
function fromDevServer(
  proxyReq: { setHeader(name: string, value: string): void },
  req: { headers: Record<string, string | string[] | undefined> },
) {
  if (req.headers.origin === `http://${req.headers.host}`) proxyReq.setHeader('origin', server);
}

const toServer: ProxyOptions = {
  target: server,
  configure(proxy) {
    proxy.on('proxyReq', fromDevServer);
    proxy.on('proxyReqWs', fromDevServer);
  },
};

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Never inline fonts or images as data: URLs; the server's CSP allows only 'self'.
    assetsInlineLimit: 0,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod ships comments that rollup cannot read as annotations; harmless, and not ours to fix.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/')) return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: {
      '/api': toServer,
      '/socket.io': { ...toServer, ws: true },
    },
  },
});
