/** Memory of a (child) process as the kernel sees it, read from /proc (Linux). */
import { readFileSync } from 'node:fs';

/** Resident set size in KiB (`VmRSS` of /proc/<pid>/status); undefined once the process is gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
