import './lib/zod-csp';
import './fonts.css';
import './styles.css';
import './i18n/index';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { setUnauthorizedHandler } from './lib/api';
import { useAuthStore } from './lib/auth-store';
import { queryClient } from './lib/query-client';

// Any unexpected 401 means the session is gone: back to the sign-in page, keeping nothing.
setUnauthorizedHandler(() => useAuthStore.getState().endSession());

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
