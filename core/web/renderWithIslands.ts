/**
 * Server-side rendering that marks islands, the way Fresh does: an island's server HTML is wrapped in
 * `<!--frsh:island:Name:index:-->…<!--/frsh:island-->` and its props are collected for serializeProps().
 * An island rendered inside another island is a plain component (the outer one hydrates it).
 *
 * This module holds the two library-specific tricks, so nothing else depends on them:
 * - Preact's `options.vnode` hook (public API, process-wide) swaps an island component for a wrapper when
 *   its vnode is created. It is installed by registerIslands(), never at import time.
 * - preact-render-to-string prints `h(Fragment, { UNSTABLE_comment })` as an HTML comment; Fresh 2 relies
 *   on the same feature.
 */
import { createContext, Fragment, type FunctionComponent, h, options, type VNode } from "preact";
import { useContext } from "preact/hooks";
import { renderToString } from "preact-render-to-string";
import type { Island, Islands } from "./loadIslands.ts";
import type { IslandPropsEntry } from "./serializeProps.ts";

export interface RenderedIslands {
  html: string;
  /** One entry per island instance, in document order; the marker's index points into this list. */
  entries: IslandPropsEntry[];
}

const InsideIsland = createContext(false);
// Process-wide: component → island, for every app created in this process.
const islandOf = new Map<unknown, Island>();
const wrapperOf = new WeakMap<Island, FunctionComponent<Record<string, unknown>>>();
let hookInstalled = false;
let creatingInner = false;
let active: IslandPropsEntry[] | null = null;

/** Make these islands known to the renderer (and install the vnode hook on first use). */
export function registerIslands(islands: Islands): void {
  for (const [component, island] of islands.byComponent) islandOf.set(component, island);
  if (hookInstalled) return;
  hookInstalled = true;
  const previous = options.vnode;
  options.vnode = (vnode: VNode): void => {
    if (!creatingInner && typeof vnode.type === "function") {
      const island = islandOf.get(vnode.type);
      if (island !== undefined) (vnode as { type: unknown }).type = wrapperFor(island);
    }
    previous?.(vnode);
  };
}

/** renderToString() that records each outermost island with its props. Synchronous, so one at a time. */
export function renderWithIslands(vnode: VNode): RenderedIslands {
  if (active !== null) throw new Error("Cannot render a page while another page renders (nested renderToString?)");
  const entries: IslandPropsEntry[] = [];
  active = entries;
  try {
    return { html: renderToString(vnode), entries };
  } finally {
    active = null;
  }
}

function wrapperFor(island: Island): FunctionComponent<Record<string, unknown>> {
  const known = wrapperOf.get(island);
  if (known !== undefined) return known;
  function IslandBoundary(props: Record<string, unknown>): VNode {
    const inside = useContext(InsideIsland);
    creatingInner = true;
    let inner: VNode;
    try {
      inner = h(island.component, props);
    } finally {
      creatingInner = false;
    }
    if (inside || active === null) return inner;
    const index = active.push({ island: island.name, props }) - 1;
    return h(
      Fragment,
      null,
      comment(`frsh:island:${island.name}:${index}:`),
      h(InsideIsland.Provider, { value: true }, inner),
      comment("/frsh:island"),
    );
  }
  IslandBoundary.displayName = `Island(${island.name})`;
  wrapperOf.set(island, IslandBoundary);
  return IslandBoundary;
}

function comment(text: string): VNode {
  return h(Fragment, { UNSTABLE_comment: text } as Record<string, unknown>);
}
