/**
 * Runs Parley's own `main.ts` in this process, unchanged, with one addition: if the harness that forked
 * it goes away, the server stops itself as on SIGTERM, so that no benchmark leaves a server behind.
 */
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
await import('../../packages/server/src/main.ts');
