/**
 * Real Chromium for browser tests (Debian's /usr/bin/chromium, driven by playwright-core). Outside CI
 * a missing browser skips those tests with a printed reason; under CI=true they run and fail.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** True when browser tests must be skipped (only outside CI); prints why once. */
export function skipBrowserTests(): boolean {
  if (existsSync(CHROMIUM_PATH)) return false;
  if (process.env.CI === 'true' || process.env.CI === '1') return false;
  console.warn(`browser tests skipped: ${CHROMIUM_PATH} is missing (apt-get install -y chromium); under CI=true they fail instead`);
  return true;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is required at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 20_000,
  });
}
