/**
 * The minified SDK bundle in real Chromium, from another origin than the chat server: the globals
 * exist, `connectUser` connects, `group:message_send` arrives as (message, channel); GitpleLive SDK
 * 1.1's `GitpleLiveChat.ChatClient({host, app_id})` connects too and its typing reaches the others.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrowserBundle } from '../packages/server/src/http/bundles.ts';
import { launchChromium, skipBrowserTests } from './support/browser.ts';
import { seedChat, sendText } from './support/chat-seed.ts';
import { openChatSocket } from './support/chat-socket.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

describe.skipIf(skipBrowserTests())('SDK bundle in Chromium', () => {
  let tp: TestParley;
  let bobToken = '';
  let aliceToken = '';
  let site: Server;
  let browser: Browser;

  beforeAll(async () => {
    tp = await startParley();
    ({ tokens: { bob: bobToken = '', alice: aliceToken = '' } } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob'], channels: { room_1: ['alice', 'bob'] } }));
    const bundle = await buildBrowserBundle('sdk');
    site = createServer((req, res) => {
      if (req.url === '/sdk.min.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle.body);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/sdk.min.js"></script>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
    await tp?.stop();
  });

  it('connects as bob and receives a message with (message, channel)', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
    expect(await page.evaluate('typeof GitpleLive.Client === "function" && Parley.Client === GitpleLive.Client')).toBe(true);
    const connected = page.evaluate(`new Promise((resolve, reject) => {
      const client = new GitpleLive.Client({ app_id: ${JSON.stringify(tp.appId)}, url: ${JSON.stringify(tp.url)}, session_token: ${JSON.stringify(bobToken)} });
      window.received = new Promise((got) => client.on('group:message_send', (message, channel) => got({ content: message.content, channel: channel.channel_id })));
      client.on('connected', () => resolve('connected'));
      client.connectUser({ user_id: 'bob' }).catch(reject);
    })`);
    expect(await connected).toBe('connected');
    await sendText(tp.url, tp.appId, tp.apiKey, 'room_1', 'alice', '안녕하세요');
    expect(await page.evaluate('window.received')).toEqual({ content: '안녕하세요', channel: 'room_1' });
  });

  it('GitpleLiveChat.ChatClient({host, app_id}) connects with connectUser({user_id, session_token}) and types', async () => {
    const alice = await openChatSocket(tp.url, tp.appId, 'alice', aliceToken);
    const typing = new Promise<unknown[]>((resolve) => alice.socket.once('group:channel_typing', (channel: { channel_id: string }, ids: string[]) => resolve([channel.channel_id, ids])));
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
      expect(await page.evaluate('GitpleLiveChat.ChatClient === GitpleLive.ChatClient && typeof GitpleLiveChat.ChatClient === "function"')).toBe(true);
      const connected = page.evaluate(`new Promise((resolve, reject) => {
        const client = new GitpleLiveChat.ChatClient({ host: ${JSON.stringify(new URL(tp.url).host)}, app_id: ${JSON.stringify(tp.appId)} });
        client.connection.on('connected', () => client.groupChannel.startTyping('room_1').then(() => resolve('typing'), reject));
        client.connectUser({ user_id: 'bob', session_token: ${JSON.stringify(bobToken)} }).catch(reject);
      })`);
      expect(await connected).toBe('typing');
      expect(await typing).toEqual(['room_1', ['bob']]);
    } finally {
      alice.socket.close();
    }
  });
});
