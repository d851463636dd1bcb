// @ts-check
/**
 * `npm run parley -- <command>`: the CLI of the production build (dist/server/cli.js), built first when
 * dist/ is missing or older than the sources, like `npm start`. Operators without npm run
 * `node dist/server/cli.js <command>` directly.
 */
import { ensureBuild } from './build.js';

try {
  ensureBuild((line) => process.stderr.write(`${line}\n`));
} catch (err) {
  process.stderr.write(`parley: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
process.setSourceMapsEnabled(true);
/** @type {{ runCli: typeof import('../packages/server/src/cli.ts').runCli }} */
const cli = await import(new URL('../dist/server/cli.js', import.meta.url).href);

const code = await cli.runCli(process.argv.slice(2), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
process.exit(code);
