import { describe, expect, it } from 'vitest';
import { hookUrlProblem, hookUrlsProblem, isPublicAddress, parseWebhookEvents } from './hook-url.ts';

describe('hookUrlProblem', () => {
  it('takes http and https URLs only', () => {
    expect(hookUrlProblem('https://shop.example.com/auth')).toBeUndefined();
    expect(hookUrlProblem('http://10.1.2.3:8080/hook?x=1')).toBeUndefined();
    for (const url of ['data:text/plain,ok', 'file:///etc/passwd', 'ftp://h/x', 'ws://h/x', 'javascript:1', 'not a url', '']) {
      expect(hookUrlProblem(url)).toBe('must be an http:// or https:// URL');
    }
    expect(hookUrlProblem('https://user:secret@shop.example.com/')).toMatch(/user name or password/);
  });

  it('names which of an app\'s URLs is wrong; cleared ones are fine', () => {
    expect(hookUrlsProblem({ webauthUrl: 'https://a.example/auth', webhookUrl: 'ftp://h/x' })).toBe('webhook URL must be an http:// or https:// URL');
    expect(hookUrlsProblem({ webauthUrl: 'data:,ok' })).toBe('WebAuth URL must be an http:// or https:// URL');
    expect(hookUrlsProblem({ webauthUrl: null, webhookUrl: '' })).toBeUndefined();
  });
});

describe('isPublicAddress', () => {
  it('refuses loopback, private, link-local, unique-local, CGNAT, unspecified and other non-public ranges', () => {
    const refused = ['127.0.0.1', '127.9.9.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '169.254.169.254', '0.0.0.0', '224.0.0.1', '255.255.255.255'];
    const refused6 = ['::', '::1', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '2002:a00:1::', '64:ff9b::a00:1', '2001:db8::1'];
    for (const address of [...refused, ...refused6, 'localhost', '']) expect(isPublicAddress(address), address).toBe(false);
  });

  it('allows global unicast addresses', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isPublicAddress(address), address).toBe(true);
  });
});

describe('parseWebhookEvents', () => {
  it('reads a comma list of the webhook types, and names the first unknown one', () => {
    expect(parseWebhookEvents(' connect, subscribe ,,')).toEqual({ events: ['connect', 'subscribe'] });
    expect(parseWebhookEvents('connect,explode,boom')).toEqual({ unknown: 'explode' });
    expect(parseWebhookEvents('')).toEqual({ events: [] });
  });
});
