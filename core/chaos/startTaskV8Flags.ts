/**
 * `startTaskV8Flags()`: the `--v8-flags=…` of the `start` task in deno.json, so that the chaos suite runs the app
 * with the same V8 heap settings as `deno task start` does. They matter to the soak: the size of V8's young
 * generation alone moves the app's resident memory by ~100 MiB (see the README, Reliability).
 */
export function startTaskV8Flags(denoJson: string): string[] {
  const config = JSON.parse(denoJson) as { tasks?: Record<string, string | { command?: string }> };
  const start = config.tasks?.start;
  const command = typeof start === "string" ? start : start?.command ?? "";
  return command.split(/\s+/).filter((arg) => arg.startsWith("--v8-flags="));
}
