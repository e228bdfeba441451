/** The notebook's part of `ctx.state`, built once by main.ts. */
import type { BaseState } from "../appState.ts";

// deno-lint-ignore no-empty-interface
export interface NotebookState {}

/** Loads what the notebook's routes need; `stopNotebook()` releases it. */
export function createNotebookState(_base: BaseState): Promise<NotebookState & { stopNotebook(): Promise<void> }> {
  return Promise.resolve({ stopNotebook: () => Promise.resolve() });
}
