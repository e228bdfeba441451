/** `walk()`: the files under a directory, as sorted posix paths relative to it. */
export async function walk(root: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(prefix === "" ? root : `${root}/${prefix}`)) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) files.push(...await walk(root, path));
    else if (entry.isFile) files.push(path);
  }
  return files.sort();
}
