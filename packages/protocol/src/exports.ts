/**
 * Exports (DESIGN.md, "Chat beyond the seed", Export): an asynchronous job writes an app's messages,
 * channels or users as NDJSON (one wire-shaped JSON object per line) to a file, downloaded through an
 * expiring signed URL.
 */
import { Type, type Static } from '@sinclair/typebox';

export const EXPORT_TYPES = ['messages', 'channels', 'users'] as const;
export type ExportType = (typeof EXPORT_TYPES)[number];
/** `expired`: done, and its file removed once its URL expired (Sendbird's statuses). */
export const EXPORT_STATUSES = ['queued', 'running', 'done', 'failed', 'expired'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

export const ExportBody = Type.Object(
  {
    type: Type.Union(EXPORT_TYPES.map((t) => Type.Literal(t))),
    channel_id: Type.Optional(Type.String({ description: 'messages only: one channel (default: every channel of the app)' })),
    from: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'unix ms, inclusive: items created at or after it' })),
    to: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'unix ms, exclusive: items created before it' })),
  },
  { additionalProperties: false },
);
export type ExportRequest = Static<typeof ExportBody>;

export const ChatExport = Type.Object({
  export_id: Type.String(),
  type: Type.Union(EXPORT_TYPES.map((t) => Type.Literal(t))),
  status: Type.Union(EXPORT_STATUSES.map((s) => Type.Literal(s))),
  channel_id: Type.Union([Type.String(), Type.Null()]),
  from: Type.Union([Type.Integer(), Type.Null()]),
  to: Type.Union([Type.Integer(), Type.Null()]),
  count: Type.Integer({ description: 'items written so far (all of them once done)' }),
  url: Type.Optional(Type.String({ description: 'done: the NDJSON file, through a signed URL that works without headers until expires_at' })),
  expires_at: Type.Union([Type.Integer(), Type.Null()], { description: 'unix ms when the URL stops working and the file is removed' }),
  error: Type.Optional(Type.String({ description: 'failed: why' })),
  created_at: Type.Integer({ description: 'unix ms' }),
  updated_at: Type.Integer({ description: 'unix ms' }),
});
export type ChatExport = Static<typeof ChatExport>;

export const ExportParams = Type.Object({ export_id: Type.String({ maxLength: 64 }) });
