/** One printed benchmark figure. Benchmarks print; they never assert. */
export interface Figure {
  /** Which benchmark section, e.g. "wire", "publisher", "ingest". */
  group: string;
  name: string;
  value: number;
  unit: string;
  /** The goal from the issue, as text, e.g. ">= 10 M/s". */
  goal?: string;
  note?: string;
}
