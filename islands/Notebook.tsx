/**
 * The notebook page's island: the runtime (core/notebook/createNotebookRuntime.ts) over the HTTP API, the
 * parameter bar, the cells, and the wiring to the rest of the app:
 * - `notebook.commits` server-sent events (routes/api/notebooks/events.ts) drive live cells;
 * - the terminal's selection arrives on the "fluxbook-selection" BroadcastChannel (core/notebook/selectionParams.ts);
 * - parameters are mirrored into the URL query.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { VNode } from "preact";
import { createNotebookRuntime, type RuntimeApi } from "../core/notebook/createNotebookRuntime.ts";
import type { NotebookDoc } from "../core/notebook/notebookFile.ts";
import type { CatalogTable, Params } from "../core/notebook/notebookTypes.ts";
import { SELECTION_CHANNEL, SELECTION_STORAGE_KEY, selectionParams } from "../core/notebook/selectionParams.ts";
import { COMMITS_KEY } from "../core/notebook/startCommitNotices.ts";
import { analyzeRequest, cancelRequest, runCellRequest, saveRequest } from "./notebook/notebookApi.ts";
import { ParamBar } from "./notebook/ParamBar.tsx";
import { QueryCell } from "./notebook/QueryCell.tsx";

export interface NotebookProps {
  name: string;
  doc: NotebookDoc;
  /** Version of the file as loaded (for conflict-free saves). */
  version: string;
  params: Params;
  /** Whether `params` came from the URL (then the terminal's stored selection does not override them). */
  paramsFromUrl: boolean;
  catalog: CatalogTable[];
  streams: string[];
}

const API: RuntimeApi = {
  analyze: analyzeRequest,
  run: runCellRequest,
  cancel: cancelRequest,
};

export default function Notebook(props: NotebookProps): VNode {
  const runtime = useMemo(
    () =>
      createNotebookRuntime(props.doc, {
        api: API,
        params: props.params,
        sessionId: Math.random().toString(36).slice(2, 10),
        reserved: new Set(props.catalog.map((table) => table.name.toLowerCase())),
      }),
    [],
  );
  const [version, setVersion] = useState(props.version);
  const [saveMessage, setSaveMessage] = useState<string | null>(null);
  const [follow, setFollow] = useState(true);
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    if (!props.paramsFromUrl) {
      const stored = selectionParams(safeJson(localStorage.getItem(SELECTION_STORAGE_KEY)));
      if (stored !== null) runtime.setParams(stored);
    }
    runtime.runAll();
    const events = new EventSource("/api/notebooks/events");
    events.addEventListener(COMMITS_KEY, (event) => runtime.commitNotice(JSON.parse((event as MessageEvent).data)));
    events.onopen = () => setConnected(true);
    events.onerror = () => setConnected(false);
    return () => {
      events.close();
      runtime.dispose();
    };
  }, []);

  useEffect(() => {
    if (!follow) return;
    const channel = new BroadcastChannel(SELECTION_CHANNEL);
    channel.onmessage = (event) => {
      const params = selectionParams(event.data);
      if (params !== null) changeParams(params);
    };
    return () => channel.close();
  }, [follow]);

  const changeParams = (changes: Params): void => {
    runtime.setParams(changes);
    const url = new URL(location.href);
    for (const [key, value] of Object.entries(runtime.params.peek())) {
      if (value === null || value === "") url.searchParams.delete(key);
      else url.searchParams.set(key, String(value));
    }
    history.replaceState(null, "", url);
  };

  const save = async (): Promise<void> => {
    setSaveMessage("Saving…");
    const result = await saveRequest(props.name, { notebook: runtime.toDoc(), version });
    if (result.kind === "error") {
      setSaveMessage(`Not saved: ${result.error.message}`);
      return;
    }
    setVersion(result.value.version);
    runtime.markSaved();
    setSaveMessage("Saved");
  };

  const cells = runtime.cells.value;
  // Completion: the cache's tables, plus each cell by name with the columns of its newest result.
  const fresh: Record<string, readonly string[]> = {};
  for (const table of props.catalog) fresh[table.name] = table.columns.map((c) => c.name);
  for (const cell of cells) {
    const result = cell.state.value.result;
    fresh[cell.name.value] = result === null ? [] : result.columns.map((c) => c.name);
  }
  // Same content, same object: the editors reconfigure only when a name or a column list changed.
  const schemaKey = JSON.stringify(fresh);
  const schema = useMemo(() => fresh, [schemaKey]);
  const cycles = runtime.graph.value.cycles;

  return (
    <div class="nb-notebook" data-connected={connected ? "true" : "false"}>
      <div class="nb-toolbar">
        <button type="button" class="nb-save" onClick={save} disabled={!runtime.unsaved.value}>
          {runtime.unsaved.value ? "Save" : "Saved"}
        </button>
        {saveMessage !== null && runtime.unsaved.value ? <span class="nb-save-message">{saveMessage}</span> : null}
        <button type="button" class="nb-run-all" onClick={() => runtime.runAll()}>Run all</button>
        <button type="button" class="nb-add" onClick={() => runtime.add()}>+ Cell</button>
        <span class="nb-live-status" title="Live cells re-run when the ingest commits">
          {connected ? "● live updates" : "○ live updates off"}
        </span>
      </div>
      <ParamBar
        params={runtime.params.value}
        streams={props.streams}
        follow={follow}
        onFollow={setFollow}
        onChange={changeParams}
      />
      {cycles.length > 0
        ? (
          <p class="nb-cycles" role="alert">
            {cycles.map((cycle) => `Cycle: ${[...cycle, cycle[0]].join(" → ")}`).join("; ")}
          </p>
        )
        : null}
      {cells.map((cell, index) => (
        <QueryCell key={cell.id} cell={cell} runtime={runtime} schema={schema} index={index} count={cells.length} />
      ))}
      <div class="nb-footer">
        <button type="button" class="nb-add-bottom" onClick={() => runtime.add()}>+ Cell</button>
      </div>
    </div>
  );
}

function safeJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
