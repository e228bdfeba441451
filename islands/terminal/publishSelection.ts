/**
 * The terminal's side of the selection hand-off to the notebook (see core/notebook/selectionParams.ts): every tab
 * of the app hears it on a BroadcastChannel, and a notebook opened later finds the newest one in localStorage.
 */
import {
  SELECTION_CHANNEL,
  SELECTION_STORAGE_KEY,
  type TerminalSelection,
} from "../../core/notebook/selectionParams.ts";

let channel: BroadcastChannel | null = null;

export function publishSelection(selection: TerminalSelection): void {
  try {
    channel ??= new BroadcastChannel(SELECTION_CHANNEL);
    channel.postMessage(selection);
    localStorage.setItem(SELECTION_STORAGE_KEY, JSON.stringify(selection));
  } catch {
    // Private windows may refuse storage; the notebook then keeps its own parameters.
  }
}
