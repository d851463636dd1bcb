export * from './channels.ts';
export * from './rtcs.ts';
export * from './chat.ts';
export * from './admin.ts';
