/**
 * Prometheus text exposition format (version 0.0.4): per family a `# HELP` and a `# TYPE` line, then its samples.
 * Label values and help text are escaped as the format requires. Pure.
 */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface MetricSample {
  labels?: Readonly<Record<string, string>>;
  value: number;
}

export interface MetricFamily {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; counters end in `_total`. */
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples: readonly MetricSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Throws a RangeError naming the family for a bad metric or label name. */
export function formatPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new RangeError(`Bad metric name ${JSON.stringify(family.name)}`);
    if (seen.has(family.name)) throw new RangeError(`Metric ${family.name} is defined twice`);
    seen.add(family.name);
    lines.push(`# HELP ${family.name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {});
      for (const [name] of labels) {
        if (!LABEL_NAME.test(name) || name.startsWith("__")) {
          throw new RangeError(`Bad label name ${JSON.stringify(name)} on metric ${family.name}`);
        }
      }
      const labelText = labels.length === 0
        ? ""
        : `{${labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
      lines.push(`${family.name}${labelText} ${formatValue(sample.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
