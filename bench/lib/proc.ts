/** Facts about processes read from /proc: a server's resident memory, CPU time, open files, the open-files limit, and the machine's busy time. */
import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size of a process in KiB (VmRSS), or 0 when it cannot be read. */
export function rssKib(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used, in ms, or 0 when it cannot be read. */
export function cpuMs(pid: number): number {
  try {
    // Fields after the `(comm)`, which may itself hold spaces: state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

/**
 * CPU time the whole machine has spent busy (every state but idle and iowait, summed over cores), and
 * of that the kernel's interrupt work (irq + softirq: on loopback, most of receiving what was sent), in
 * ms. Next to the harness's own processes it shows what went to the kernel, Redis, PostgreSQL and
 * anything else running on the machine. Zeros when /proc/stat cannot be read.
 */
export function machineCpuMs(): { busy: number; interrupts: number } {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq (then steal: other guests' time, and guest, already in user).
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = ticks;
    const ms = (t: number) => (t * 1000) / CLOCK_TICKS_PER_S;
    return { busy: ms(user + nice + system + irq + softirq), interrupts: ms(irq + softirq) };
  } catch {
    return { busy: 0, interrupts: 0 };
  }
}

/** USER_HZ: /proc counts CPU time in these ticks (100 on every Linux this runs on). */
const CLOCK_TICKS_PER_S = 100;

/** File descriptors a process holds open (entries of /proc/<pid>/fd), or 0 when they cannot be read. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** The soft and hard RLIMIT_NOFILE of this process (children inherit it). */
export function openFilesLimit(): { soft: number; hard: number } {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line ?? '').replace('Max open files', '').trim().split(/\s+/);
    const n = (s: string | undefined) => (s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s) || 1024);
    return { soft: n(soft), hard: n(hard) };
  } catch {
    return { soft: 1024, hard: 1024 };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
