// @ts-check
/**
 * `npm start`: the production server (dist/server/main.js) in this very process, run by plain node.
 * dist/ is built first when it is missing or older than the sources, so `npm install && npm start`
 * works on a fresh clone; the build runs in a child process that has ended before the server starts.
 * Flags pass through: `npm start -- --port 9000`.
 */
import { ensureBuild } from './build.js';

try {
  ensureBuild((line) => process.stderr.write(`${line}\n`));
} catch (err) {
  process.stderr.write(`parley: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
// Stack traces name the TypeScript sources (the build writes source maps).
process.setSourceMapsEnabled(true);
// A computed specifier: the type checker must not follow it into the build output.
await import(new URL('../dist/server/main.js', import.meta.url).href);
