/**
 * A small live line chart (uPlot) of the last minutes of some figures, as wide as its container. The
 * figures' latest values are also given as text, for those who do not see the chart.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  /** A colour with at least 3:1 contrast on white. */
  stroke: string;
}

export interface LiveChartProps {
  title: string;
  series: ChartSeries[];
  /** [unix seconds[], then one array per series]. */
  data: uPlot.AlignedData;
}

const HEIGHT = 160;
/** The time the x axis spans. */
export const WINDOW_S = 120;

export function LiveChart({ title, series, data }: LiveChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const options: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      // Labels only: the values are in the figures above the charts.
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // Always the last WINDOW_S seconds, so the chart scrolls rather than stretches.
        x: { time: true, range: (_u, _min, max) => [max - WINDOW_S, max] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
      },
      axes: [{ stroke: '#333' }, { stroke: '#333', size: 56 }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, points: { show: false } }))],
    };
    plot.current = new uPlot(options, data, el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Created once; new data goes in below.
  }, []);

  useEffect(() => plot.current?.setData(data), [data]);

  const latest = series.map((s, i) => `${s.label} ${data[i + 1]?.at(-1) ?? 0}`).join(', ');
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" role="img" aria-label={`${title}, latest: ${latest}`} />
    </figure>
  );
}
