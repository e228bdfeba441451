/**
 * CPU time per thread name of a process, from Linux's /proc (empty elsewhere): where a benchmark's CPU went.
 * DuckDB's worker threads inherit the name of the thread that started them (`tokio-runtime-w`, like Deno's
 * async-op threads), V8's GC and compiler threads are `V8 DefaultWorke`, the JS thread is `deno`.
 */
export type ThreadCpu = Map<string, number>;

/** Milliseconds of CPU (user + system) per thread name, summed over threads of the same name. */
export function threadCpuMs(pid: number | "self"): ThreadCpu {
  const byName: ThreadCpu = new Map();
  const dir = `/proc/${pid}/task`;
  let tasks: Iterable<Deno.DirEntry>;
  try {
    tasks = Deno.readDirSync(dir);
  } catch {
    return byName;
  }
  for (const task of tasks) {
    try {
      const stat = Deno.readTextFileSync(`${dir}/${task.name}/stat`);
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      // utime and stime, in clock ticks of 10 ms.
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      byName.set(name, (byName.get(name) ?? 0) + ms);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byName;
}

/** CPU ms spent per thread name between two samples (threads that ended in between are not counted). */
export function cpuSince(before: ThreadCpu, after: ThreadCpu): ThreadCpu {
  const spent: ThreadCpu = new Map();
  for (const [name, ms] of after) spent.set(name, Math.max(0, ms - (before.get(name) ?? 0)));
  return spent;
}

export function totalMs(cpu: ThreadCpu): number {
  let sum = 0;
  for (const ms of cpu.values()) sum += ms;
  return sum;
}
