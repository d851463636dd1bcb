export * from './channels.ts';
export * from './rtcs.ts';
export * from './rtcs-schemas.ts';
export * from './rtcs-commands.ts';
export * from './chat.ts';
export * from './chat-schemas.ts';
export * from './chat-events.ts';
export * from './error-tables.ts';
