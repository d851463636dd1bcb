/** Users, channels and tokens made through the real Platform API, for SDK and browser tests. */
import { platformClient } from './chat-engines.ts';

export interface ChatSeed {
  users: string[];
  channels: Record<string, string[]>;
}

export async function seedChat(url: string, appId: string, apiKey: string, seed: ChatSeed): Promise<{ tokens: Record<string, string> }> {
  const call = platformClient(url, appId, apiKey);
  const expectOk = (what: string, r: { status: number; body: unknown }) => {
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  const tokens: Record<string, string> = {};
  for (const user of seed.users) {
    expectOk(`user ${user}`, await call('POST', '/v1/users', { user_id: user, name: user }));
    const token = await call<{ token: string }>('POST', `/v1/users/${user}/token`, {});
    expectOk(`token ${user}`, token);
    tokens[user] = token.body.token;
  }
  for (const [channelId, members] of Object.entries(seed.channels)) {
    expectOk(`channel ${channelId}`, await call('POST', '/v1/group/channels', { channel_id: channelId, name: channelId, members }));
  }
  return { tokens };
}

/** Sends a text message through the Platform API, retrying while the server is down or draining; answers its id once a 201 came back. */
export async function sendText(url: string, appId: string, apiKey: string, channelId: string, userId: string, content: string, deadlineMs = 30_000): Promise<number> {
  const call = platformClient(url, appId, apiKey);
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const r = await call<{ message_id: number }>('POST', `/v1/group/channels/${channelId}/messages`, { type: 'text', user_id: userId, content });
      if (r.status === 201) return r.body.message_id;
      if (r.status !== 503) throw new Error(`send: ${r.status} ${JSON.stringify(r.body)}`);
    } catch (err) {
      // Connection refused or reset while the server restarts: not acknowledged, so sending again is right.
      if (!(err instanceof TypeError)) throw err;
    }
    if (Date.now() > deadline) throw new Error(`send to ${channelId} did not succeed in ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
