import type { ClientToServerEvents, ServerToClientEvents } from '@korgon/domain';
import { io, type Socket } from 'socket.io-client';

export type ConsoleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Same origin; the httpOnly session cookie authenticates the handshake. Opened only after sign-in.
 * WebSocket only: the server checks the Origin header of the handshake, which browsers always send on a
 * WebSocket upgrade but not on a same-origin long-polling GET.
 */
export function openSocket(): ConsoleSocket {
  return io({ path: '/socket.io', transports: ['websocket'], withCredentials: true });
}
