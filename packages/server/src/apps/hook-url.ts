/**
 * Where an app's WebAuth and webhook calls may go, and which webhook events it takes: the one place
 * these settings are validated. The URL rule is checked where a URL enters (config, the CLI,
 * AppService) and again at call time (hooks-client.ts) for URLs stored before it existed; the address
 * rule (OUTBOUND_DENY_PRIVATE) on every address a call connects to.
 */
import { WEBHOOK_TYPES, type WebhookType } from '@parley/protocol';
import ipaddr from 'ipaddr.js';

/** The webhook event names, as a refusal lists them. */
export const KNOWN_WEBHOOK_EVENTS = WEBHOOK_TYPES.join(', ');

const isWebhookType = (name: string): name is WebhookType => (WEBHOOK_TYPES as readonly string[]).includes(name);

/**
 * A comma list of webhook events (APP_WEBHOOK_EVENTS, `--webhook-events`), or the first unknown name in it.
 * @example parseWebhookEvents('connect, subscribe') // { events: ['connect', 'subscribe'] }
 */
export function parseWebhookEvents(raw: string): { events: WebhookType[] } | { unknown: string } {
  const names = raw.split(',').map((e) => e.trim()).filter(Boolean);
  const unknown = names.find((e) => !isWebhookType(e));
  return unknown === undefined ? { events: names.filter(isWebhookType) } : { unknown };
}

/**
 * Why `url` cannot be a WebAuth or webhook URL, or undefined when it can: http(s) only (`data:` would
 * answer WebAuth itself, `file:` and others reach what they should not).
 * @example hookUrlProblem('data:text/plain,ok') // 'must be an http:// or https:// URL'
 */
export function hookUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an http:// or https:// URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http:// or https:// URL';
  // fetch refuses such URLs at every call; better said once, when the URL is set.
  if (parsed.username !== '' || parsed.password !== '') return 'must not carry a user name or password';
  return undefined;
}

/**
 * Why an app's WebAuth or webhook URL (null or '' clears it) cannot be set, in the words the CLI and
 * AppService answer with, or undefined when both can.
 * @example hookUrlsProblem({ webauthUrl: 'data:,ok' }) // 'WebAuth URL must be an http:// or https:// URL'
 */
export function hookUrlsProblem(urls: { webauthUrl?: string | null; webhookUrl?: string | null }): string | undefined {
  for (const [what, url] of [['WebAuth URL', urls.webauthUrl], ['webhook URL', urls.webhookUrl]] as const) {
    const problem = url ? hookUrlProblem(url) : undefined;
    if (problem) return `${what} ${problem}`;
  }
  return undefined;
}

/**
 * Whether a hook may connect to `address` while OUTBOUND_DENY_PRIVATE is on: global unicast only, so
 * loopback, private, link-local, unique-local, CGNAT, unspecified, multicast, reserved and the IPv6
 * ranges that embed an IPv4 address (6to4, Teredo, NAT64) are refused. IPv4-mapped IPv6 counts as
 * the IPv4 address it maps.
 * @example isPublicAddress('169.254.169.254') // false
 */
export function isPublicAddress(address: string): boolean {
  return ipaddr.isValid(address) && ipaddr.process(address).range() === 'unicast';
}
