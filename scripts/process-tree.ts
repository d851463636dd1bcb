/**
 * A process and its descendants with their command lines and resident memory, read from /proc (Linux):
 * how many processes `npm start` runs and what they hold (scripts/measure-start.ts, the production
 * start test).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface Proc {
  pid: number;
  ppid: number;
  /** The command line (or the process name when it has none). */
  name: string;
  rssKiB: number;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The name is in parentheses and may hold spaces; the fields after it are space-separated.
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const rss = /VmRSS:\s+(\d+)/.exec(status)?.[1];
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      out.push({ pid: Number(entry), ppid: Number(fields[1]), name: cmd || stat.slice(stat.indexOf('(') + 1, close), rssKiB: Number(rss ?? 0) });
    } catch {
      // The process ended while we read it.
    }
  }
  return out;
}

/** The process and all its descendants. */
export function processTree(rootPid: number): Proc[] {
  const all = processes();
  const tree: Proc[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const proc = all.find((p) => p.pid === pid);
    if (proc) tree.push(proc);
    for (const child of all) if (child.ppid === pid) queue.push(child.pid);
  }
  return tree;
}
