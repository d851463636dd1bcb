/**
 * RTCS's own browser client — socket.io-client 0.9.17's dist build, as RTCS hands it out — in real
 * Chromium, on a page of another origin, over each of its transports (websocket, xhr-polling,
 * jsonp-polling): it connects with the access URL verbatim, joins its presence channel, and receives a
 * publication with Korean text.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipBrowserTests } from './support/browser.ts';
import { accessUrl, publish } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const CLIENT_JS = readFileSync(createRequire(import.meta.url).resolve('sio09/dist/socket.io.js'), 'utf8');

describe.skipIf(skipBrowserTests())('socket.io-client 0.9.17 in Chromium', () => {
  let tp: TestParley;
  let site: Server;
  let browser: Browser;

  beforeAll(async () => {
    tp = await startParley();
    site = createServer((req, res) => {
      if (req.url === '/socket.io.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(CLIENT_JS);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/socket.io.js"></script>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
    await tp?.stop();
  });

  it.each(['websocket', 'xhr-polling', 'jsonp-polling'])('connects over %s, joins presence and receives a publication', async (transport) => {
    const channel = `presence_${transport.replace('-', '_')}`;
    const url = await accessUrl(tp, `browser-${transport}`, [channel]);
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
    const joined = await page.evaluate(`new Promise((resolve, reject) => {
      // The transport is set on the socket: 0.9 merges a transports option index by index into its defaults.
      const socket = io.connect(${JSON.stringify(url)}, { 'force new connection': true, reconnect: false, 'auto connect': false });
      socket.socket.options.transports = [${JSON.stringify(transport)}];
      socket.socket.connect();
      window.received = new Promise((got) => socket.on('news', (data) => got(data)));
      socket.on('rtcs:channel', (r) => { if (r.type === 'subscribe_success') resolve({ name: r.name, members: Object.values(r.members || {}), transport: socket.socket.transport.name }); });
      socket.on('error', (e) => reject(new Error('socket error: ' + e)));
      setTimeout(() => reject(new Error('no subscribe_success')), 8000);
    })`);
    expect(joined).toEqual({ name: channel, members: [`browser-${transport}`], transport });
    expect((await publish(tp, [channel], 'news', { text: '안녕하세요, 0.9' })).status).toBe(200);
    expect(await page.evaluate('window.received')).toEqual({ text: '안녕하세요, 0.9' });
    await page.close();
  });
});
