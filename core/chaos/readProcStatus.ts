/** `readProcStatus()`: a process's resident memory from /proc/<pid>/status (Linux), or null once it is gone. */
export interface ProcMemory {
  /** Resident set size now, KiB. */
  rssKb: number;
  /** Peak resident set size over the process's life (VmHWM), KiB. */
  hwmKb: number;
}

export function readProcStatus(pid: number): ProcMemory | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return null;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  const rssKb = field("VmRSS");
  const hwmKb = field("VmHWM");
  // A zombie has no memory lines.
  return Number.isFinite(rssKb) && Number.isFinite(hwmKb) ? { rssKb, hwmKb } : null;
}
