/**
 * The page's one EventSource on /api/stream, shared by every island (this module is one shared chunk of the island
 * bundles, so there is one copy per page). Islands `subscribe(key, listener)`; whenever the set of keys changes the
 * stream is reopened with the new set, a few ms later so that a burst of changes reopens it once. The hub sends
 * only changes, never a snapshot on connect: `onOpen` listeners refetch what they show. Browser only.
 */
import { signal } from "@preact/signals";

export type StreamState = "idle" | "connecting" | "open" | "closed";

/** The stream's state, for the status bar. */
export const streamState = signal<StreamState>("idle");

type Listener = (data: unknown) => void;

const listeners = new Map<string, Set<Listener>>();
const openListeners = new Set<() => void>();
let source: EventSource | null = null;
let sourceKeys = "";
let timer: ReturnType<typeof setTimeout> | null = null;
const REOPEN_DELAY_MS = 30;

/** Calls `listener` with each value published on `key`; returns the unsubscribe. */
export function subscribe(key: string, listener: Listener): () => void {
  let set = listeners.get(key);
  if (set === undefined) {
    listeners.set(key, set = new Set());
    schedule();
  }
  set.add(listener);
  return () => {
    const current = listeners.get(key);
    if (current === undefined) return;
    current.delete(listener);
    if (current.size === 0) {
      listeners.delete(key);
      schedule();
    }
  };
}

/** Called each time the stream (re)opens, after a reconnect too. */
export function onOpen(listener: () => void): () => void {
  openListeners.add(listener);
  return () => openListeners.delete(listener);
}

function schedule(): void {
  if (timer !== null) return;
  timer = setTimeout(reopen, REOPEN_DELAY_MS);
}

function reopen(): void {
  timer = null;
  const keys = [...listeners.keys()].sort();
  const joined = keys.join(",");
  if (joined === sourceKeys && source !== null) return;
  source?.close();
  source = null;
  sourceKeys = joined;
  if (keys.length === 0) {
    streamState.value = "idle";
    return;
  }
  const next = new EventSource(`/api/stream?keys=${encodeURIComponent(joined)}`);
  source = next;
  streamState.value = "connecting";
  for (const key of keys) {
    next.addEventListener(key, (event) => {
      const set = listeners.get(key);
      if (set === undefined) return;
      const data: unknown = JSON.parse((event as MessageEvent<string>).data);
      for (const listener of [...set]) listener(data);
    });
  }
  next.addEventListener("lagging", () => {
    // The hub dropped us for falling behind; EventSource reconnects by itself and onOpen refetches.
    streamState.value = "connecting";
  });
  next.onopen = () => {
    if (source !== next) return;
    streamState.value = "open";
    for (const listener of [...openListeners]) listener();
  };
  next.onerror = () => {
    if (source !== next) return;
    streamState.value = next.readyState === EventSource.CLOSED ? "closed" : "connecting";
  };
}
