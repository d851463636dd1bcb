/**
 * deploy/grafana-dashboard.json asks only for what the server exports: every metric a query (or the
 * node variable) names is registered by observability/metrics.ts with that type — `_bucket`, `_sum`
 * and `_count` only of histograms — and every label it groups or filters by is one of the metric's own
 * (or `le` of a bucket, or a label Prometheus adds: `instance`, `job`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../packages/server/src/observability/metrics.ts';
import { Hub } from '../packages/server/src/realtime/hub.ts';

interface Target {
  expr: string;
}
interface Panel {
  title: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: { query: string } | string }> };
}

const dashboard = JSON.parse(readFileSync(new URL('../deploy/grafana-dashboard.json', import.meta.url), 'utf8')) as Dashboard;
const PROMETHEUS_LABELS = ['instance', 'job'];

/** name → type and label names, as the server registers them. */
async function exported(): Promise<Map<string, { type: string; labels: string[] }>> {
  const metrics = new Metrics(new Hub());
  const out = new Map<string, { type: string; labels: string[] }>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    const metric = metrics.registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] };
    out.set(m.name, { type: String(m.type), labels: metric.labelNames ?? [] });
  }
  return out;
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** The queries of the dashboard, each with where it comes from. */
function queries(): Array<{ where: string; expr: string }> {
  const fromPanels = allPanels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
  const fromVariables = dashboard.templating.list.map((v) => ({ where: `variable ${v.name}`, expr: typeof v.query === 'string' ? v.query : v.query.query }));
  return [...fromPanels, ...fromVariables];
}

/** The exported metric a series name belongs to, or why it belongs to none. */
function resolve(series: string, known: Map<string, { type: string; labels: string[] }>): { metric?: string; error?: string } {
  if (known.has(series)) {
    return known.get(series)!.type === 'histogram' ? { error: `${series} is a histogram: query its _bucket, _sum or _count` } : { metric: series };
  }
  const base = /^(.*)_(bucket|sum|count)$/.exec(series)?.[1];
  if (base && known.get(base)?.type === 'histogram') return { metric: base };
  return { error: `${series} is not exported by the server` };
}

describe('deploy/grafana-dashboard.json', () => {
  it('is a Parley dashboard with a query in every panel', () => {
    expect(dashboard.title).toBe('Parley');
    for (const panel of allPanels(dashboard.panels)) {
      if (panel.panels) continue; // a row
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
    }
  });

  it('names only metrics and labels the server exports', async () => {
    const known = await exported();
    const problems: string[] = [];
    const used = new Set<string>();
    for (const { where, expr } of queries()) {
      const series = [...new Set(expr.match(/\bparley_[a-z0-9_]+/g) ?? [])];
      if (series.length === 0) problems.push(`${where}: names no Parley metric: ${expr}`);
      const labels = new Set<string>();
      for (const s of series) {
        const { metric, error } = resolve(s, known);
        if (error) problems.push(`${where}: ${error}`);
        if (!metric) continue;
        used.add(metric);
        for (const l of known.get(metric)!.labels) labels.add(l);
        if (s.endsWith('_bucket')) labels.add('le');
      }
      for (const l of PROMETHEUS_LABELS) labels.add(l);
      // Labels grouped by (`by (a, b)`), matched (`{a="x", b=~"y"}`) or read (`label_values(m, a)`).
      const named = [
        ...[...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',')),
        ...[...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]!)),
        ...[...expr.matchAll(/label_values\([^,]+,\s*(\w+)\)/g)].map((m) => m[1]!),
      ].map((l) => l.trim());
      for (const l of named.filter(Boolean)) if (!labels.has(l)) problems.push(`${where}: label ${l} is not a label of ${series.join(', ')}`);
    }
    expect(problems).toEqual([]);
    // The operator-facing metrics of both faces are on the dashboard.
    for (const m of ['parley_connections', 'parley_chat_messages_total', 'parley_hook_requests_total', 'parley_publishes_total', 'parley_http_request_duration_seconds']) {
      expect(used, m).toContain(m);
    }
  });

  it('would catch a renamed metric', async () => {
    const known = await exported();
    expect(resolve('parley_connection', known).error).toMatch(/not exported/);
    expect(resolve('parley_hook_duration_seconds', known).error).toMatch(/is a histogram/);
    expect(resolve('parley_subscriptions_bucket', known).error).toMatch(/not exported/);
  });
});
