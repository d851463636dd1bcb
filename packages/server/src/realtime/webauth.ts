/** WebAuth: asks the app's server whether a user may subscribe to an auth channel it was not granted. */
import type { WebAuthBody } from '@parley/protocol';
import type { App } from '../apps/app.service.ts';
import { NO_ACTIVITY, type RealtimeActivity } from './activity.ts';
import type { HooksClient } from './hooks-client.ts';

export type WebAuthDecision = { allowed: true } | { allowed: false; reason: string };

export class WebAuth {
  constructor(
    private readonly hooks: HooksClient,
    private readonly activity: RealtimeActivity = NO_ACTIVITY,
  ) {}

  async authorize(app: App, user: string, channel: string): Promise<WebAuthDecision> {
    if (!app.webauthUrl) return { allowed: false, reason: 'not authorised: channel was not granted and the app has no WebAuth URL' };
    const body: WebAuthBody = { time: String(Date.now()), type: 'subscribe', app: app.id, user, channel };
    const result = await this.hooks.post('webauth', app.webauthUrl, body);
    this.activity.webauth(app.id, user, channel, result);
    switch (result.outcome) {
      case 'ok':
        return { allowed: true };
      case 'rejected':
        return { allowed: false, reason: `not authorised: WebAuth answered ${result.status}` };
      case 'timeout':
        return { allowed: false, reason: 'not authorised: WebAuth did not answer in time' };
      case 'refused':
        return { allowed: false, reason: 'not authorised: the WebAuth URL is not allowed' };
      default:
        return { allowed: false, reason: 'not authorised: WebAuth could not be reached' };
    }
  }
}
