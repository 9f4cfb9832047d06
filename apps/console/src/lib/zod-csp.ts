import { z } from 'zod';

// The server's CSP forbids eval. Without this, zod probes `new Function` on the first object parse,
// and the browser reports a CSP violation even though zod catches the error. Imported first by main.tsx.
z.config({ jitless: true });
