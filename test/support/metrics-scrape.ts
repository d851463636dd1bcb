/** Reads one series of a server's `/metrics` (Prometheus text format), 0 when it is not there yet. */
export async function metricValue(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

export const SLOW_CONSUMER_DROPS = 'parley_session_drops_total{reason="slow_consumer"}';
export const FLOOD_DROPS = 'parley_session_drops_total{reason="flood"}';
