/**
 * The seed tutorial (000_b1243ee21a2e3d80.txt, STEP 3–7) replayed byte for byte: the same headers
 * (`Content-type`, `APP_ID`, `APP_API_KEY`) and the same JSON bodies, against a fresh server whose users
 * user_1 and user_2 exist (the tutorial assumes them). Each answer has the documented shape; STEP 7's
 * handler receives `group:message_send (message, channel)` on a socket.io connection of user_2.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatChannel, ChatMessage } from '../packages/protocol/src/index.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

describe('seed tutorial STEP 3–7', () => {
  let tp: TestParley;
  let socket: Socket;
  let app_id: string;
  let app_key: string;
  const received: Array<{ message: ChatMessage; channel: ChatChannel }> = [];

  beforeAll(async () => {
    tp = await startParley();
    app_id = tp.appId;
    app_key = tp.apiKey;
    const setup = (path: string, body: unknown) =>
      fetch(`${tp.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', APP_ID: app_id, APP_API_KEY: app_key }, body: JSON.stringify(body) });
    expect((await setup('/v1/users', { user_id: 'user_1', name: 'user_1', profile_url: 'user_1.png' })).status).toBe(201);
    expect((await setup('/v1/users', { user_id: 'user_2', name: 'user_2' })).status).toBe(201);
    const { token } = (await (await setup('/v1/users/user_2/token', { expires_at: Date.now() + 60_000 })).json()) as { token: string };
    socket = io(tp.url, { auth: { app_id, user_id: 'user_2', token }, transports: ['websocket'] });
    // STEP 7, registered as the tutorial writes it.
    socket.on('group:message_send', (message: ChatMessage, channel: ChatChannel) => received.push({ message, channel }));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  });

  afterAll(async () => {
    socket?.disconnect();
    await tp?.stop();
  });

  it('STEP 3 creates channel_1 with user_1 and user_2', async () => {
    const response = await fetch(`${tp.url}/v1/group/channels`, {
      method: "POST",
      headers: {
          "Content-type": "application/json",
          "APP_ID": app_id,
          "APP_API_KEY": app_key
      },
      body: JSON.stringify({
          "channel_id": "channel_1",
          "name": "channel_1",
          "profile_url": "myimage.png",
          "members": [
              "user_1", "user_2"
          ],
          "reuse": false,
          "meta": {}
      })
    });
    expect(response.status).toBe(201);
    const data = (await response.json()) as { created_at: number; updated_at: number };
    expect(data).toMatchObject({
      channel_id: 'channel_1',
      name: 'channel_1',
      profile_url: 'myimage.png',
      type: 'group',
      freeze: false,
      total_message_count: 0,
      total_file_count: 0,
      created_at: expect.any(Number),
      updated_at: expect.any(Number),
      members: [
        { user_id: 'user_1', name: 'user_1' },
        { user_id: 'user_2', name: 'user_2' },
      ],
    });
    expect(data.created_at).toBe(data.updated_at);
  });

  it('STEP 4 creates user_3', async () => {
    const url = `${tp.url}/v1/users`;
    const response = await fetch(url, {
      method: "POST",
      headers: {
          "Content-type": "application/json",
          "APP_ID": app_id,
          "APP_API_KEY": app_key
      },
      body: JSON.stringify({
          "user_id": "user_3",
          "name": "user_3",
          "profile_url": "",
          "meta": {}
      })
    });
    expect(response.status).toBe(201);
    const data = await response.json();
    expect(data).toMatchObject({ user_id: 'user_3', name: 'user_3', profile_url: '', created_at: expect.any(Number), updated_at: expect.any(Number) });
  });

  it('STEP 5 joins user_3 to channel_1 (200)', async () => {
    const url = `${tp.url}/v1/group/channels/channel_1/join`;
    const response = await fetch(url, {
      method: "PUT",
      headers: {
          "Content-type": "application/json",
          "APP_ID": app_id,
          "APP_API_KEY": app_key
      },
      body: JSON.stringify({
          "member": "user_3"
      })
    });
    expect(response.status).toBe(200);
    const data = (await response.json()) as { members: Array<{ user_id: string }> };
    expect(data.members.map((m) => m.user_id)).toEqual(['user_1', 'user_2', 'user_3']);
  });

  it('STEP 6 sends "안녕하세요" as user_1; STEP 7 receives group:message_send (message, channel)', async () => {
    const url = `${tp.url}/v1/group/channels/channel_1/messages`;
    const response = await fetch(url, {
      method: "POST",
      headers: {
          "Content-type": "application/json",
          "APP_ID": app_id,
          "APP_API_KEY": app_key
      },
      body: JSON.stringify({
          "user_id": "user_1",
          "content": "안녕하세요",
          "meta": {}
      })
    });
    expect(response.status).toBe(201);
    const data = await response.json();
    expect(data).toMatchObject({
      user: { user_id: 'user_1', name: 'user_1', profile_url: 'user_1.png', created_at: expect.any(Number), updated_at: expect.any(Number) },
      type: 'text',
      content: '안녕하세요',
      created_at: expect.any(Number),
      updated_at: expect.any(Number),
      message_id: 1,
      channel_id: 'channel_1',
    });

    const deadline = Date.now() + 5000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(1);
    expect(received[0]!.message).toEqual(data);
    expect(received[0]!.channel).toMatchObject({ channel_id: 'channel_1', type: 'group', total_message_count: 1 });
  });
});
