/**
 * The README works as pasted: every `sh` block of its Quick start, Configuration, Realtime API and Chat
 * API sections runs, in order, in one bash session, against a fresh server started by the Quick start's
 * own `npm start`. What the test changes, and only this: the port (8080 may be taken on a shared
 * machine: `localhost:8080` and `127.0.0.1:8080` become the test's port, passed as PORT), a fresh
 * DATA_DIR, `npm start` put in the background until `/health` answers (a reader uses a second
 * terminal), and `curl` made to fail on an HTTP error (`--fail-with-body`), so that a 4xx fails the block
 * instead of scrolling past.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/node-process.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const SECTIONS = ['Quick start', 'Configuration', 'Realtime API (RTCS)', 'Chat API (GitpleLive)'];

interface Block {
  section: string;
  code: string;
}

/** The `sh` blocks of the given `## ` sections (their `###` subsections included), in README order. */
export function commandBlocks(readme: string, sections: readonly string[]): Block[] {
  const blocks: Block[] = [];
  for (const part of readme.split(/^## /m).slice(1)) {
    const title = part.slice(0, part.indexOf('\n')).trim();
    if (!sections.includes(title)) continue;
    for (const m of part.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) blocks.push({ section: title, code: m[1]! });
  }
  return blocks;
}

function script(blocks: readonly Block[], port: number): string {
  const lines = [
    'set -euo pipefail',
    `cd ${JSON.stringify(ROOT)}`,
    // An HTTP error answer fails the command (the README's curl -s would print it and go on).
    'curl() { command curl --fail-with-body --show-error "$@"; }',
    'parley_ready() {',
    '  for _ in $(seq 1 900); do',
    '    command curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && return 0',
    '    kill -0 "$(cat "$PARLEY_PID")" 2>/dev/null || { echo "npm start exited:"; cat "$PARLEY_LOG"; return 1; }',
    '    sleep 0.1',
    '  done',
    '  echo "no /health within 90 s"; cat "$PARLEY_LOG"; return 1',
    '}',
  ];
  blocks.forEach((block, i) => {
    lines.push(`printf '\\n::block %d (%s)\\n' ${i + 1} ${JSON.stringify(block.section)}`);
    const code = block.code
      .replace(/\b(localhost|127\.0\.0\.1):8080\b/g, `127.0.0.1:${port}`)
      .replace(/^npm start$/m, 'npm start >"$PARLEY_LOG" 2>&1 & echo $! >"$PARLEY_PID"; parley_ready');
    lines.push(code);
  });
  lines.push("printf '\\n::done\\n'");
  return lines.join('\n');
}

const dir = mkdtempSync(join(tmpdir(), 'parley-readme-'));
const pidFile = join(dir, 'server.pid');

afterAll(async () => {
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100; i++) {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 100));
      }
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('README.md', () => {
  const blocks = commandBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'), SECTIONS);

  it('has command blocks in each section the test runs', () => {
    for (const section of SECTIONS) expect(blocks.filter((b) => b.section === section).length, section).toBeGreaterThan(0);
    expect(blocks[0]!.code).toMatch(/^npm start$/m);
  });

  it('runs every command block of the quick start, configuration, RTCS and chat sections on a fresh server', async () => {
    const port = await freePort();
    const file = join(dir, 'readme.sh');
    writeFileSync(file, script(blocks, port));
    // A fresh server: nothing inherited that would point it at other data.
    const env: Record<string, string | undefined> = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(dir, 'data'), PARLEY_LOG: join(dir, 'server.log'), PARLEY_PID: pidFile };
    for (const name of ['APP_ID', 'APP_API_KEY', 'DATABASE_URL', 'REDIS_URL', 'PUBLIC_URL', 'LOG_FORMAT']) delete env[name];
    const child = spawn('bash', [file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const failedAt = [...out.matchAll(/^::block (\d+)/gm)].pop()?.[1];
    const failedBlock = failedAt ? blocks[Number(failedAt) - 1] : undefined;
    expect(code, `README block ${failedAt} (${failedBlock?.section}) failed:\n${failedBlock?.code}\n--- output ---\n${out.slice(-3000)}`).toBe(0);
    expect(out).toMatch(/::done\n$/);
    // The runs went to the server the Quick start started, and it saw the chat calls.
    expect(out).toContain(`"url":"http://127.0.0.1:${port}/socket.io/1/?app=demo&`);
    expect(out).toMatch(/"message_id":2/);
  }, 120_000);
});
