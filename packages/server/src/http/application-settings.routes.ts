/** `/v1/application/settings`: an app's chat settings — the word filter and chat webhooks (server API). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ApplicationSettingsBody, CHAT_ERROR_CODES } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import { AppError, presentChatSettings, type AppService } from '../apps/app.service.ts';
import { ChatError } from '../chat/errors.ts';
import { answer, CHAT_ERRORS, SECURITY, withExample } from './api-components.ts';
import { exampleChatSettings as example, exampleChatSettingsChanges } from './api-examples.ts';
import { appOf } from './chat-auth.ts';

const doc = { tags: ['chat application'], security: SECURITY.platform };

export async function applicationSettingsRoutes(scope: FastifyInstance, apps: AppService): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  // Settings errors are parameter errors: AppError names the field.
  const change = async (id: string, changes: Parameters<AppService['updateChatSettings']>[1]) => {
    try {
      return presentChatSettings(await apps.updateChatSettings(id, changes));
    } catch (err) {
      if (err instanceof AppError) throw new ChatError(CHAT_ERROR_CODES.invalidParameter, 400, err.message);
      throw err;
    }
  };

  app.get(
    '/application/settings',
    { schema: { ...doc, summary: "The app's chat settings: word filter, chat webhook URL, events and signing secret", response: { 200: answer('ApplicationSettings', example), ...CHAT_ERRORS } } },
    async (req) => {
      const current = appOf(req);
      // An app of before the settings existed gets its webhook secret on first read.
      return current.chat.webhookSecret === '' ? change(current.id, {}) : presentChatSettings((await apps.get(current.id)) ?? current);
    },
  );

  app.put(
    '/application/settings',
    {
      schema: {
        ...doc,
        summary: "Change the app's chat settings (fields left out stay as they are)",
        body: withExample(ApplicationSettingsBody, exampleChatSettingsChanges),
        response: { 200: answer('ApplicationSettings', example), ...CHAT_ERRORS },
      },
    },
    async (req) => change(appOf(req).id, req.body),
  );
}
