/**
 * The status bar: the page's event stream, each publisher's connection state, messages/s, lag (publisher → ingest
 * median, and server → this page for the last status), open gaps, the last commit, and a progress bar for each
 * backfill or replay under way. Fed by the `status` key of the event stream.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { StatusSnapshot } from "../core/terminal/statusSnapshot.ts";
import { formatAge } from "./terminal/format.ts";
import { streamState, subscribe } from "./terminal/liveStream.ts";

export default function StatusBar(props: { initial: StatusSnapshot }) {
  const status = useSignal(props.initial);
  const pageLagMs = useSignal<number | null>(null);
  const now = useSignal(props.initial.nowMs);

  useEffect(() => {
    now.value = Date.now();
    const tick = setInterval(() => now.value = Date.now(), 1000);
    const stop = subscribe("status", (data) => {
      const snapshot = data as StatusSnapshot;
      pageLagMs.value = Math.max(0, Date.now() - snapshot.nowMs);
      status.value = snapshot;
    });
    return () => {
      clearInterval(tick);
      stop();
    };
  }, []);

  const s = status.value;
  const stream = streamState.value;
  return (
    <footer class="statusbar" aria-label="Status">
      <span class={`sb-item stream-${stream}`} title="This page's event stream" data-stream={stream}>
        <i class="dot" />stream {stream}
      </span>
      {s.sources.map((source) => (
        <span
          key={source.endpoint}
          class={`sb-item src-${source.state}`}
          title={`${source.endpoint}${source.detail ? ` — ${source.detail}` : ""}${
            source.epoch ? ` (epoch ${source.epoch})` : ""
          }`}
          data-source-state={source.state}
        >
          <i class="dot" />
          {source.endpoint.replace(/^tcp:\/\//, "")} {source.state}
        </span>
      ))}
      {s.sources.length === 0
        ? (
          <span class="sb-item src-offline">
            <i class="dot" />no publisher
          </span>
        )
        : null}
      <span class="sb-item">
        msg/s <b data-metric="messages-per-sec">{s.messagesPerSec.toLocaleString("en-US")}</b>
      </span>
      <span class="sb-item" title="Median receive time minus source time, ingest side">
        lag <b>{s.lagMsP50.toFixed(0)} ms</b>
      </span>
      <span class="sb-item" title="Server to this page, last status">
        page <b>{pageLagMs.value === null ? "—" : `${pageLagMs.value} ms`}</b>
      </span>
      <span class={`sb-item ${s.gapsOpen > 0 ? "warn" : ""}`}>
        gaps <b>{s.gapsOpen}</b>
      </span>
      <span class="sb-item">
        commit <b>{s.lastCommitMs === null ? "never" : formatAge(Math.max(0, now.value - s.lastCommitMs))}</b>
      </span>
      <span class="sb-item">
        rows <b>{s.rowsCommitted.toLocaleString("en-US")}</b>
      </span>
      <span class="sb-spacer" />
      {s.progress.map((p) => (
        <span
          key={p.id}
          class="sb-progress"
          title={`${p.label}: ${p.done}${p.total === null ? "" : ` / ${p.total}`} ${p.unit}`}
        >
          <span class="sb-progress-label">{p.label}</span>
          <span class="sb-progress-bar">
            <span
              class={p.total === null ? "indeterminate" : ""}
              style={{
                width: p.total === null || p.total === 0 ? "100%" : `${Math.min(100, (p.done / p.total) * 100)}%`,
              }}
            />
          </span>
        </span>
      ))}
    </footer>
  );
}
