/**
 * Runs Parley's own `main.ts` in this process, unchanged, with one addition: if the harness that forked
 * it goes away, the server stops itself as on SIGTERM, so that no benchmark leaves a server behind; and it
 * writes a heap snapshot when the harness asks (the memory scenario).
 */
import './heap-snapshot-responder.ts';

process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
await import('../../packages/server/src/main.ts');
