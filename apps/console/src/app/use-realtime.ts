import { can, type Role } from '@korgon/domain';
import { useEffect } from 'react';
import { followFollowUps } from '../features/follow-ups/follow-ups-live';
import { followQueue } from '../features/queue/queue-live';
import { followReferrals } from '../features/referrals/referrals-live';
import { followRisk } from '../features/risk/risk-live';
import { authApi } from '../lib/auth-api';
import { useAuthStore } from '../lib/auth-store';
import { openSocket } from '../lib/socket';
import { followAlerts } from '../pages/board/alerts-live';
import { followBoard } from '../pages/board/board-live';
import { followHandover } from '../pages/board/handover-store';
import { followMyWork } from '../pages/desk/my-work-live';
import { followInbox } from '../pages/inbox/inbox-live';
import { followExports } from '../pages/statistics/exports-query';

const RETRY_AFTER_REFUSAL_MS = 15_000;

/** The live connection, open exactly while the signed-in shell is on screen: the live queue, risk and referral pushes. */
export function useRealtime(role: Role): void {
  const watchesQueue = can(role, 'queue:read');
  const watchesBoard = can(role, 'board:use');
  const watchesExports = can(role, 'statistics:read');
  useEffect(() => {
    const socket = openSocket();
    let retry: number | undefined;
    const unfollow = watchesQueue ? followQueue(socket) : undefined;
    const unfollowRisk = followRisk(socket);
    const unfollowReferrals = followReferrals(socket);
    const unfollowInbox = followInbox(socket);
    const unfollowFollowUps = followFollowUps(socket);
    const unfollowMyWork = followMyWork(socket);
    const unfollowBoard = watchesBoard ? followBoard(socket) : undefined;
    const unfollowHandover = watchesBoard ? followHandover(socket) : undefined;
    const unfollowAlerts = watchesBoard ? followAlerts(socket) : undefined;
    const unfollowExports = watchesExports ? followExports(socket) : undefined;

    socket.on('session:ended', () => useAuthStore.getState().endSession());
    socket.on('me:updated', ({ locale }) => useAuthStore.getState().localeChangedElsewhere(locale));
    socket.on('connect_error', () => {
      // While `active`, socket.io retries by itself. Otherwise the server refused the handshake:
      // ask whether the session still lives (a 401 there returns to the sign-in page), then try again.
      if (socket.active) return;
      authApi
        .me()
        .then(() => {
          retry = window.setTimeout(() => socket.connect(), RETRY_AFTER_REFUSAL_MS);
        })
        .catch(() => undefined);
    });

    return () => {
      window.clearTimeout(retry);
      unfollow?.();
      unfollowRisk();
      unfollowReferrals();
      unfollowInbox();
      unfollowFollowUps();
      unfollowMyWork();
      unfollowBoard?.();
      unfollowHandover?.();
      unfollowAlerts?.();
      unfollowExports?.();
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [watchesQueue, watchesBoard, watchesExports]);
}
