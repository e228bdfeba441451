/**
 * The dependency graph of a notebook's cells: who reads whom, a topological order and the cycles. Pure, so the
 * browser runtime (which schedules re-runs) and the engine (which splices upstream cells in as CTEs) share it.
 *
 * Cell names match table references case-insensitively, as DuckDB identifiers do. A reference to a name that
 * is no cell (a cache table, a typo) is not an edge: DuckDB resolves or rejects it when the cell runs.
 */

export interface CellNode {
  name: string;
  /** Table names the cell reads (CTE names already removed, see analyzeCell.ts). */
  refs: readonly string[];
}

export interface CellGraph {
  /** Cell names in notebook order. */
  readonly names: readonly string[];
  /** Every cell, upstream cells before the cells that read them; ties keep notebook order. Cycles stay together. */
  readonly order: readonly string[];
  /** Cell → the cells it reads directly. */
  readonly upstream: ReadonlyMap<string, readonly string[]>;
  /** Cell → the cells that read it directly. */
  readonly downstream: ReadonlyMap<string, readonly string[]>;
  /** Each cycle's cells in notebook order (a cell that reads itself is a cycle of one). */
  readonly cycles: readonly (readonly string[])[];
  /** Cells that are part of a cycle. */
  readonly inCycle: ReadonlySet<string>;
  /** The cell a name refers to (case-insensitive), or undefined. */
  resolve(name: string): string | undefined;
}

export function buildCellGraph(cells: readonly CellNode[]): CellGraph {
  const byKey = new Map<string, string>();
  for (const cell of cells) if (!byKey.has(cell.name.toLowerCase())) byKey.set(cell.name.toLowerCase(), cell.name);
  const names = cells.map((cell) => cell.name).filter((name, i) => byKey.get(name.toLowerCase()) === cells[i].name);
  const index = new Map(names.map((name, i) => [name, i]));
  const resolve = (name: string): string | undefined => byKey.get(name.toLowerCase());

  const upstream = new Map<string, string[]>(names.map((name) => [name, []]));
  const downstream = new Map<string, string[]>(names.map((name) => [name, []]));
  for (const cell of cells) {
    const from = upstream.get(cell.name);
    if (from === undefined || byKey.get(cell.name.toLowerCase()) !== cell.name) continue;
    for (const ref of cell.refs) {
      const target = resolve(ref);
      if (target === undefined || from.includes(target)) continue;
      from.push(target);
      downstream.get(target)!.push(cell.name);
    }
  }

  const components = stronglyConnected(names, upstream);
  const cycles: string[][] = [];
  const inCycle = new Set<string>();
  const componentOf = new Map<string, number>();
  components.forEach((members, i) => {
    for (const member of members) componentOf.set(member, i);
    const selfLoop = members.length === 1 && upstream.get(members[0])!.includes(members[0]);
    if (members.length > 1 || selfLoop) {
      const sorted = [...members].sort((a, b) => index.get(a)! - index.get(b)!);
      cycles.push(sorted);
      for (const member of sorted) inCycle.add(member);
    }
  });

  // Kahn's algorithm over the components, always taking the ready one that comes first in the notebook.
  const componentDeps = components.map(() => new Set<number>());
  for (const [name, refs] of upstream) {
    for (const ref of refs) {
      const a = componentOf.get(name)!;
      const b = componentOf.get(ref)!;
      if (a !== b) componentDeps[a].add(b);
    }
  }
  const firstIndex = components.map((members) => Math.min(...members.map((m) => index.get(m)!)));
  const remaining = new Set(components.keys());
  const done = new Set<number>();
  const order: string[] = [];
  while (remaining.size > 0) {
    let next = -1;
    for (const c of remaining) {
      if (![...componentDeps[c]].every((dep) => done.has(dep))) continue;
      if (next < 0 || firstIndex[c] < firstIndex[next]) next = c;
    }
    remaining.delete(next);
    done.add(next);
    order.push(...[...components[next]].sort((a, b) => index.get(a)! - index.get(b)!));
  }
  cycles.sort((a, b) => index.get(a[0])! - index.get(b[0])!);
  return { names, order, upstream, downstream, cycles, inCycle, resolve };
}

/** The cells `name` reads, directly or not, upstream first (excluding `name`, unless it is in a cycle). */
export function upstreamOf(graph: CellGraph, name: string): string[] {
  const seen = new Set<string>();
  const visit = (cell: string): void => {
    for (const ref of graph.upstream.get(cell) ?? []) {
      if (seen.has(ref)) continue;
      seen.add(ref);
      visit(ref);
    }
  };
  visit(name);
  return graph.order.filter((cell) => seen.has(cell));
}

/** `names` and every cell that reads one of them, directly or not, in topological order. */
export function downstreamOf(graph: CellGraph, names: Iterable<string>): string[] {
  const seen = new Set<string>();
  const visit = (cell: string): void => {
    if (seen.has(cell)) return;
    seen.add(cell);
    for (const reader of graph.downstream.get(cell) ?? []) visit(reader);
  };
  for (const name of names) if (graph.upstream.has(name)) visit(name);
  return graph.order.filter((cell) => seen.has(cell));
}

/** The cycle `name` is part of, or undefined. */
export function cycleOf(graph: CellGraph, name: string): readonly string[] | undefined {
  return graph.cycles.find((cycle) => cycle.includes(name));
}

const CELL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Why `name` cannot name a cell, or null: it must be an identifier DuckDB reads without quotes, unique in the
 * notebook (case-insensitively) and not shadow a cache table or view (`reserved`, lower case).
 */
export function cellNameError(
  name: string,
  options: { others: readonly string[]; reserved?: ReadonlySet<string> },
): string | null {
  if (!CELL_NAME.test(name)) {
    return `Cell name ${
      JSON.stringify(name)
    } is not an identifier: use letters, digits and _ (not first), at most 63 characters`;
  }
  const key = name.toLowerCase();
  if (options.others.some((other) => other.toLowerCase() === key)) {
    return `Cell name ${JSON.stringify(name)} is already used by another cell`;
  }
  if (options.reserved?.has(key)) {
    return `Cell name ${JSON.stringify(name)} is the name of a cache table or view; cells may not shadow it`;
  }
  return null;
}

/** Tarjan's algorithm; components come out dependencies first. */
function stronglyConnected(names: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    indexOf.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indexOf.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component);
    }
  };
  for (const name of names) if (!indexOf.has(name)) connect(name);
  return components;
}
