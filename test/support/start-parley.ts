/**
 * Starts a real Parley on 127.0.0.1 (random port) with a throwaway data directory and a known app, for
 * end-to-end tests. `stop()` shuts it down gracefully and removes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../packages/server/src/config.ts';
import { silentLogger } from '../../packages/server/src/logger.ts';
import { createParley, type Parley, type ParleyOptions } from '../../packages/server/src/server.ts';

export interface TestParley {
  parley: Parley;
  url: string;
  appId: string;
  apiKey: string;
  dataDir: string;
  stop(): Promise<void>;
}

export interface StartOptions extends Partial<ParleyOptions> {
  /** Extra environment settings (APP_WEBAUTH_URL, DATABASE_URL, …). */
  env?: Record<string, string | undefined>;
}

export async function startParley(options: StartOptions = {}): Promise<TestParley> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  const appId = 'testapp';
  const apiKey = 'test-key-0123456789';
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    APP_ID: appId,
    APP_API_KEY: apiKey,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const parley = await createParley(config, { log: silentLogger(), ...options });
  const url = await parley.listen();
  return {
    parley,
    url,
    appId,
    apiKey,
    dataDir,
    async stop() {
      await parley.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
