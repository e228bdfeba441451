/**
 * `findFileSyscall()`: whether a thread of process `pid` is inside a write, sync or truncate system call on one of
 * `paths` right now, from /proc/<pid>/task/<tid>/syscall (Linux; needs the right to ptrace the process, which
 * the parent of a child has as root or with ptrace_scope 0). This is how scenario 3 knows that its kill -9
 * landed inside a commit: DuckDB writes and syncs its WAL (and, at a checkpoint, the database file) while a
 * commit is under way. A thread on the CPU shows "running" and is not seen, so a hit is a lower bound.
 */

/** x86_64 numbers of the calls that write file contents or make them durable. */
const FILE_SYSCALLS: Record<number, string> = {
  1: "write",
  18: "pwrite64",
  20: "writev",
  74: "fsync",
  75: "fdatasync",
  77: "ftruncate",
  277: "sync_file_range",
  296: "pwritev",
  328: "pwritev2",
};

export interface FileSyscall {
  tid: number;
  syscall: string;
  path: string;
}

export function findFileSyscall(pid: number, paths: readonly string[]): FileSyscall | null {
  let tasks: Iterable<Deno.DirEntry>;
  try {
    tasks = Deno.readDirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  for (const task of tasks) {
    let text: string;
    try {
      text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/syscall`);
    } catch {
      continue;
    }
    const [nr, fdHex] = text.split(" ");
    const name = FILE_SYSCALLS[Number(nr)];
    if (name === undefined) continue;
    let path: string;
    try {
      path = Deno.readLinkSync(`/proc/${pid}/fd/${Number.parseInt(fdHex, 16)}`);
    } catch {
      continue;
    }
    if (paths.includes(path)) return { tid: Number(task.name), syscall: name, path };
  }
  return null;
}
