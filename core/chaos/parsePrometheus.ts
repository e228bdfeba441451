/**
 * `parsePrometheus()`: the samples of a Prometheus text exposition (the app's /metrics) as a map from
 * `name` or `name{label="value",…}` (labels as the server wrote them) to the value.
 */
export type Metrics = Map<string, number>;

export function parsePrometheus(text: string): Metrics {
  const samples: Metrics = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    if (space < 0) continue;
    const value = Number(line.slice(space + 1));
    if (!Number.isNaN(value)) samples.set(line.slice(0, space), value);
  }
  return samples;
}

/** Samples of one family by one label, e.g. `fluxbook_rejected_total` by `reason`. */
export function samplesByLabel(metrics: Metrics, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const pattern = new RegExp(`^${name}\\{(?:.*,)?${label}="([^"]*)"`);
  for (const [key, value] of metrics) {
    const match = pattern.exec(key);
    if (match) out[match[1]] = (out[match[1]] ?? 0) + value;
  }
  return out;
}
