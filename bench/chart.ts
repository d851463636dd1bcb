/**
 * The results chart: an SVG of grouped bars (fan-out, latency, memory per session), written as is and
 * rendered to PNG with the system's Chromium through playwright-core when Chromium is installed.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { TARGET_LABELS, type TargetKind } from './lib/targets.ts';
import type { BenchResults } from './report.ts';

const COLORS: Record<TargetKind, string> = { parley: '#4f46e5', socketio: '#0f9d6e', ws: '#d97706' };
const KINDS: TargetKind[] = ['parley', 'socketio', 'ws'];
const WIDTH = 1260;
const HEIGHT = 440;
export const CHROMIUM = '/usr/bin/chromium';

interface Group {
  label: string;
  values: Partial<Record<TargetKind, number>>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const short = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e4 ? `${Math.round(v / 1e3)}k` : v >= 100 ? String(Math.round(v)) : String(Math.round(v * 100) / 100));

function panel(x: number, title: string, groups: Group[]): string {
  const w = 380;
  const top = 70;
  const h = 300;
  const max = Math.max(1e-9, ...groups.flatMap((g) => Object.values(g.values).filter((v): v is number => v !== undefined)));
  const gw = w / Math.max(1, groups.length);
  const bw = Math.min(48, (gw - 24) / KINDS.length);
  const parts = [`<text x="${x + w / 2}" y="${top - 24}" class="title">${esc(title)}</text>`, `<line x1="${x}" y1="${top + h}" x2="${x + w}" y2="${top + h}" class="axis"/>`];
  groups.forEach((g, gi) => {
    const gx = x + gi * gw + (gw - bw * KINDS.length) / 2;
    KINDS.forEach((k, ki) => {
      const v = g.values[k];
      if (v === undefined) return;
      const bh = (v / max) * (h - 20);
      const bx = gx + ki * bw;
      parts.push(`<rect x="${bx + 2}" y="${top + h - bh}" width="${bw - 4}" height="${bh}" fill="${COLORS[k]}"/>`);
      parts.push(`<text x="${bx + bw / 2}" y="${top + h - bh - 5}" class="value">${short(v)}</text>`);
    });
    parts.push(`<text x="${x + gi * gw + gw / 2}" y="${top + h + 20}" class="label">${esc(g.label)}</text>`);
  });
  return parts.join('\n');
}

export function chartSvg(r: BenchResults): string {
  const pick = <T extends { target: TargetKind }>(list: T[], f: (x: T) => number) =>
    Object.fromEntries(list.map((x) => [x.target, f(x)])) as Partial<Record<TargetKind, number>>;
  const subs = [...new Set(r.fanout.map((f) => f.subscribers))];
  const fanout = subs.map((n) => ({ label: `${n.toLocaleString('en-US')} subscribers`, values: pick(r.fanout.filter((f) => f.subscribers === n), (f) => f.deliveriesPerSecond) }));
  // The lowest rate: the higher one may overload the machine, and seconds of queueing hide the rest.
  const rate = Math.min(...r.latency.map((l) => l.ratePerSecond));
  const atRate = r.latency.filter((l) => l.ratePerSecond === rate);
  const latency = [
    { label: `p50 @ ${rate}/s`, values: pick(atRate, (l) => l.delivery.p50) },
    { label: `p99 @ ${rate}/s`, values: pick(atRate, (l) => l.delivery.p99) },
  ];
  const memory = [{ label: `at ${short(Math.max(0, ...r.connections.map((c) => c.held)))} sessions`, values: pick(r.connections, (c) => c.kibPerSession) }];
  const legend = KINDS.map((k, i) => `<rect x="${40 + i * 170}" y="${HEIGHT - 26}" width="14" height="14" fill="${COLORS[k]}"/><text x="${60 + i * 170}" y="${HEIGHT - 14}" class="legend">${TARGET_LABELS[k]}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">
<style>
text { font-family: 'DejaVu Sans', Arial, sans-serif; fill: #222; }
.title { font-size: 16px; font-weight: bold; text-anchor: middle; }
.value { font-size: 11px; text-anchor: middle; }
.label { font-size: 12px; text-anchor: middle; }
.legend { font-size: 13px; }
.note { font-size: 11px; fill: #666; text-anchor: end; }
.axis { stroke: #999; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
${panel(30, 'Fan-out: deliveries/s (higher is better)', fanout)}
${panel(440, 'Latency publish→receive, ms (lower is better)', latency)}
${panel(850, 'Server RSS per session, KiB (lower is better)', memory)}
${legend}
<text x="${WIDTH - 20}" y="${HEIGHT - 14}" class="note">${esc(`${r.startedAt.slice(0, 10)} · ${r.machine.cpus} CPUs · ${r.options.quick ? 'quick run' : 'full run'} · shared machine: compare ratios within one run`)}</text>
</svg>\n`;
}

/** Writes the SVG and, when Chromium is present, the PNG; returns what was written and any problem. */
export async function writeChart(r: BenchResults, svgPath: string, pngPath: string): Promise<{ png: boolean; note?: string }> {
  const svg = chartSvg(r);
  writeFileSync(svgPath, svg);
  if (!existsSync(CHROMIUM)) return { png: false, note: `no PNG: ${CHROMIUM} is not installed (apt-get install -y chromium); the SVG is at ${svgPath}` };
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    await page.screenshot({ path: pngPath, clip: { x: 0, y: 0, width: WIDTH, height: HEIGHT } });
    return { png: true };
  } catch (err) {
    return { png: false, note: `no PNG: Chromium failed (${err instanceof Error ? err.message : String(err)}); the SVG is at ${svgPath}` };
  } finally {
    await browser.close();
  }
}
