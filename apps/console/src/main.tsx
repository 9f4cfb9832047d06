import './lib/zod-csp';
import './fonts.css';
import './styles.css';
import './i18n/index';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { useAuthStore } from './features/auth/auth-store';
import { setUnauthorizedHandler } from './lib/api';

// Any unexpected 401 means the session is gone: back to the sign-in page, keeping nothing.
setUnauthorizedHandler(() => useAuthStore.getState().endSession());

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
