/**
 * A chat connection as the SDK opens it (socket.io 4.x, `auth: {app_id, user_id, token}`), recording
 * every event it receives, for tests that watch what reaches one user.
 */
import { io, type Socket } from 'socket.io-client';

export type Received = Array<{ event: string; args: unknown[] }>;

/** Connects over WebSocket without reconnection; resolves once connected, rejects with the refusal. */
export async function openChatSocket(url: string, appId: string, userId: string, token: string): Promise<{ socket: Socket; received: Received }> {
  const socket = io(url, { auth: { app_id: appId, user_id: userId, token }, transports: ['websocket'], reconnection: false });
  const received: Received = [];
  socket.onAny((event: string, ...args: unknown[]) => received.push({ event, args }));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  } catch (err) {
    socket.close();
    throw err;
  }
  return { socket, received };
}
