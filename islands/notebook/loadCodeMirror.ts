/**
 * Loads CodeMirror 6 with its SQL language on demand, in the browser only: the server renders a plain textarea
 * and never imports it, and the bundler puts it in a chunk of its own that the notebook page fetches after
 * hydration. The one place that names the CodeMirror packages.
 */
export async function loadCodeMirror(): Promise<{
  codemirror: typeof import("codemirror");
  sql: typeof import("@codemirror/lang-sql");
  state: typeof import("@codemirror/state");
  view: typeof import("@codemirror/view");
  theme: typeof import("@codemirror/theme-one-dark");
}> {
  const [codemirror, sql, state, view, theme] = await Promise.all([
    import("codemirror"),
    import("@codemirror/lang-sql"),
    import("@codemirror/state"),
    import("@codemirror/view"),
    import("@codemirror/theme-one-dark"),
  ]);
  return { codemirror, sql, state, view, theme };
}
