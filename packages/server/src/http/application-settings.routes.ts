/** `/v1/application/settings`: an app's chat settings — the word filter and chat webhooks (server API). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ApplicationSettingsBody, CHAT_ERROR_CODES } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import { AppError, presentChatSettings, type AppService } from '../apps/app.service.ts';
import { ChatError } from '../chat/errors.ts';
import { answer, CHAT_ERRORS, SECURITY, withExample } from './api-components.ts';
import { appOf } from './chat-auth.ts';

const doc = { tags: ['chat application'], security: SECURITY.platform };
const example = {
  app_id: 'demo',
  word_filter: { words: ['darn'], mode: 'mask' as const },
  chat_webhook_url: 'https://backend.example.com/parley/chat-webhook',
  chat_webhook_events: ['group:message_send' as const, 'push' as const],
  chat_webhook_secret: 'kq3V7mZ1r0XnY8pT2bW5sA9dF4gH6jL0cE1uI3oP7yQ',
  updated_at: 1767225600000,
};

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
        body: withExample(ApplicationSettingsBody, { word_filter: { words: ['darn'], mode: 'mask' }, chat_webhook_url: example.chat_webhook_url, chat_webhook_events: ['group:message_send', 'push'] }),
        response: { 200: answer('ApplicationSettings', example), ...CHAT_ERRORS },
      },
    },
    async (req) => change(appOf(req).id, req.body),
  );
}
