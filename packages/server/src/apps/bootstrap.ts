/**
 * The bootstrap app of DESIGN.md: APP_ID (+ APP_API_KEY) create or update that app at start; with neither
 * and no app at all, an app `demo` with a random key is created and its credentials reported once.
 */
import type { BootstrapApp } from '../config.ts';
import { AppExistsError, type App, type AppChanges, type AppService } from './app.service.ts';

export interface BootstrapResult {
  app: App | undefined;
  /** True when the key was generated now and must be shown to the operator once. */
  generatedKey: boolean;
}

export const DEMO_APP_ID = 'demo';

export async function bootstrapApp(apps: AppService, settings: BootstrapApp): Promise<BootstrapResult> {
  const changes: AppChanges = {};
  if (settings.apiKey !== undefined) changes.apiKey = settings.apiKey;
  if (settings.webauthUrl !== undefined) changes.webauthUrl = settings.webauthUrl;
  if (settings.webhookUrl !== undefined) changes.webhookUrl = settings.webhookUrl;
  if (settings.webhookEvents !== undefined) changes.webhookEvents = settings.webhookEvents;

  const id = settings.id ?? (settings.apiKey !== undefined ? DEMO_APP_ID : undefined);
  if (id === undefined) {
    if ((await apps.count()) > 0) return { app: await apps.get(DEMO_APP_ID), generatedKey: false };
    try {
      return { app: await apps.create(DEMO_APP_ID, changes), generatedKey: true };
    } catch (err) {
      if (!(err instanceof AppExistsError)) throw err;
      return { app: await apps.get(DEMO_APP_ID), generatedKey: false };
    }
  }
  try {
    return { app: await apps.create(id, changes), generatedKey: settings.apiKey === undefined };
  } catch (err) {
    if (!(err instanceof AppExistsError)) throw err;
  }
  if (Object.keys(changes).length === 0) return { app: await apps.get(id), generatedKey: false };
  return { app: await apps.update(id, changes), generatedKey: false };
}
