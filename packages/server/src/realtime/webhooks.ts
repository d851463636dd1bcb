/**
 * Webhooks: tells the app's server about connects, disconnects, subscribes and unsubscribes. Fire and
 * forget: a client never waits for one, and a failure is counted, not retried.
 */
import type { WebhookBody, WebhookType } from '@parley/protocol';
import type { App } from '../apps/app.service.ts';
import { NO_ACTIVITY, type RealtimeActivity } from './activity.ts';
import type { HooksClient } from './hooks-client.ts';
import type { Session } from './session.ts';

export class Webhooks {
  constructor(
    private readonly hooks: HooksClient,
    private readonly activity: RealtimeActivity = NO_ACTIVITY,
  ) {}

  notify(app: App, type: WebhookType, session: Session, channel?: string): void {
    if (!app.webhookUrl || !app.webhookEvents.has(type)) return;
    const body: WebhookBody = {
      time: String(Date.now()),
      type,
      app: app.id,
      user: session.user,
      session: session.id,
      detail: channel === undefined ? { origin: session.origin } : { channel },
    };
    this.activity.webhook(app.id, body, this.hooks.post('webhook', app.webhookUrl, body, app.apiKey));
  }
}
