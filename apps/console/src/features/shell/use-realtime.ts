import { can, type Role } from '@korgon/domain';
import { useEffect } from 'react';
import { openSocket } from '../../lib/socket';
import { authApi } from '../auth/auth-api';
import { useAuthStore } from '../auth/auth-store';
import { followAlerts } from '../board/alerts-live';
import { followBoard } from '../board/board-live';
import { followHandover } from '../board/handover-store';
import { followFollowUps } from '../follow-ups/follow-ups-live';
import { followMyWork } from '../my-work/my-work-live';
import { followQueue } from '../queue/queue-live';
import { followReferrals } from '../referrals/referrals-live';
import { followRisk } from '../risk/risk-live';
import { followExports } from '../statistics/exports-store';

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
