/**
 * Reports (DESIGN.md, Moderation): `POST /v1/sdk/reports` as the reporting user, `GET /v1/reports`
 * for the app's backend (its moderators), newest first.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ReportBody, ReportListQuery, type ChatReport } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import { answer, CHAT_ERRORS, SECURITY, withExample } from './api-components.ts';
import { appOf, sessionOf } from './chat-auth.ts';

const exampleReport: ChatReport = {
  report_id: '001767225600000-3f9a1c2b7d4e',
  target: 'message',
  channel_id: 'lobby',
  message_id: 42,
  user_id: 'mallory',
  reporter: 'alice',
  reason: 'spam',
  created_at: 1_767_225_600_000,
};

export async function chatReportRoutes(scope: FastifyInstance, chat: Chat, face: 'platform' | 'sdk'): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  if (face === 'sdk') {
    app.post(
      '/reports',
      {
        schema: {
          tags: ['chat sdk'],
          security: SECURITY.sdk,
          summary: "Report a message, a user or a channel the caller can see, for the app's moderators",
          body: withExample(ReportBody, { target: 'message', channel_id: 'lobby', message_id: 42, reason: 'spam' }),
          response: { 201: answer('ChatReport', exampleReport, 'Created'), ...CHAT_ERRORS },
        },
      },
      async (req, reply) => reply.code(201).send(await chat.reports.report(sessionOf(req), req.body)),
    );
    return;
  }
  app.get(
    '/reports',
    {
      schema: {
        tags: ['chat channels'],
        security: SECURITY.platform,
        summary: "The app's reports, newest first (optionally of one target kind or channel)",
        querystring: ReportListQuery,
        response: { 200: answer('ChatReportList', { reports: [exampleReport], next: null }), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.reports.list(appOf(req).id, req.query),
  );
}
