/**
 * A cell's SQL editor: CodeMirror 6 with SQL highlighting and completion of the cache's tables and columns plus
 * the notebook's cells (by name, with the columns of their last result). Ctrl/Cmd-Enter runs the cell.
 *
 * Server-side and until CodeMirror has loaded, a plain textarea stands in (it also runs on Ctrl/Cmd-Enter), so the
 * page works and is testable without it.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { VNode } from "preact";
import { loadCodeMirror } from "./loadCodeMirror.ts";

export interface SqlEditorProps {
  value: string;
  onChange(sql: string): void;
  onRun(): void;
  /** Table → column names, for completion. */
  schema: Record<string, readonly string[]>;
  /** Move the cursor here (0-based offset) whenever `nonce` changes. */
  cursor: { offset: number; nonce: number } | null;
  label: string;
}

type CodeMirror = Awaited<ReturnType<typeof loadCodeMirror>>;

export function SqlEditor(props: SqlEditorProps): VNode {
  const host = useRef<HTMLDivElement>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const latest = useRef(props);
  latest.current = props;
  const editor = useRef<
    { view: InstanceType<CodeMirror["view"]["EditorView"]>; reconfigure(schema: SqlEditorProps["schema"]): void } | null
  >(null);
  const [loaded, setLoaded] = useState(false);
  // The newest text this editor reported: a value equal to it is our own edit coming back, not a change to apply.
  const emitted = useRef<string | null>(null);

  useEffect(() => {
    let disposed = false;
    loadCodeMirror().then((cm) => {
      if (disposed || host.current === null) return;
      const { EditorView, basicSetup } = cm.codemirror;
      const { sql, PostgreSQL } = cm.sql;
      const { Compartment, Prec } = cm.state;
      const { keymap } = cm.view;
      const language = new Compartment();
      const languageFor = (schema: SqlEditorProps["schema"]) =>
        sql({ dialect: PostgreSQL, schema: schema as Record<string, string[]>, upperCaseKeywords: true });
      const view = new EditorView({
        doc: textarea.current?.value ?? latest.current.value,
        parent: host.current,
        extensions: [
          Prec.highest(keymap.of([{
            key: "Mod-Enter",
            run: () => {
              latest.current.onRun();
              return true;
            },
          }])),
          basicSetup,
          cm.theme.oneDark,
          EditorView.theme({
            "&": { backgroundColor: "var(--nb-bg)" },
            ".cm-gutters": { backgroundColor: "var(--nb-panel)" },
          }, {
            dark: true,
          }),
          language.of(languageFor(latest.current.schema)),
          EditorView.contentAttributes.of({ "aria-label": latest.current.label }),
          EditorView.updateListener.of((update: { docChanged: boolean; state: { doc: { toString(): string } } }) => {
            if (!update.docChanged) return;
            const text = update.state.doc.toString();
            emitted.current = text;
            latest.current.onChange(text);
          }),
        ],
      });
      editor.current = {
        view,
        reconfigure: (schema) => view.dispatch({ effects: language.reconfigure(languageFor(schema)) }),
      };
      setLoaded(true);
    }).catch((error) => console.error("Cannot load the SQL editor; the plain text box stays:", error));
    return () => {
      disposed = true;
      editor.current?.view.destroy();
      editor.current = null;
    };
  }, []);

  // The SQL can change from outside (a rename rewrites references): bring the editor in line. A layout effect,
  // because it runs right after its own render: a plain effect may be flushed late, at the start of a later
  // render, holding an old value it would write over what the user typed since (and the two renders' effects then
  // undo each other forever). The editor's own edits coming back as props are never written into it.
  useLayoutEffect(() => {
    const view = editor.current?.view;
    const value = props.value;
    if (view === undefined || value === emitted.current || view.state.doc.toString() === value) return;
    emitted.current = value;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
  }, [props.value]);

  useEffect(() => {
    editor.current?.reconfigure(props.schema);
  }, [props.schema]);

  useEffect(() => {
    if (props.cursor === null) return;
    const offset = Math.min(props.cursor.offset, props.value.length);
    const view = editor.current?.view;
    if (view !== undefined) {
      view.dispatch({ selection: { anchor: offset }, scrollIntoView: true });
      view.focus();
    } else if (textarea.current !== null) {
      textarea.current.focus();
      textarea.current.setSelectionRange(offset, offset);
    }
  }, [props.cursor?.nonce]);

  return (
    <div class="nb-editor" data-loaded={loaded ? "codemirror" : "textarea"}>
      <div ref={host} class="nb-editor-host" />
      {loaded ? null : (
        <textarea
          ref={textarea}
          class="nb-editor-fallback"
          aria-label={props.label}
          spellcheck={false}
          rows={Math.min(20, Math.max(3, props.value.split("\n").length + 1))}
          value={props.value}
          onInput={(event) => props.onChange((event.target as HTMLTextAreaElement).value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              props.onRun();
            }
          }}
        />
      )}
    </div>
  );
}
