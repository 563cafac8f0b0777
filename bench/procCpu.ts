/**
 * CPU time of a server process and its children, from /proc (Linux): the postmaster's own time, the
 * time of its children that have exited (`cutime`/`cstime`: every backend of a closed connection)
 * and of those still running. Unlike wall-clock figures it does not move with the machine's load.
 * Elsewhere it reads 0 and the report says "n/a".
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux.

interface Stat {
  ppid: number;
  ownTicks: number;
  childTicks: number;
}

function stat(pid: number | string): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 (state) on.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number): number => Number(fields[i - 3]);
    return { ppid: n(4), ownTicks: n(14) + n(15), childTicks: n(16) + n(17) };
  } catch {
    return undefined;
  }
}

export const cpuAccountingAvailable = (): boolean => stat('self') !== undefined;

/** CPU ms of `pid`, its exited children and its live children. */
export function treeCpuMs(pid: number): number {
  const root = stat(pid);
  if (!root) return 0;
  let ticks = root.ownTicks + root.childTicks;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = stat(entry);
    if (child?.ppid === pid) ticks += child.ownTicks + child.childTicks;
  }
  return ticks * TICK_MS;
}
