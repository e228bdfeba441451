/**
 * Browser entry: finds the island markers the server wrote, reads the page's props script and hydrates
 * each island in place. Bundled for the browser; it must never import server code.
 *
 * Each island is hydrated into a stand-in container that spans the nodes between its two comment markers
 * (Preact's ContainerNode interface exists for this). Preact looks past comments for its insertion point,
 * so the stand-in keeps every insertion before the end marker.
 */
import { type ComponentType, type ContainerNode, h, hydrate } from "preact";
import { deserializeProps } from "./deserializeProps.ts";

const START = "frsh:island:";
const END = "/frsh:island";

// deno-lint-ignore no-explicit-any -- each island declares its own props
export function bootIslands(components: Record<string, ComponentType<any>>, stateId = "__FRSH_STATE"): void {
  const stateElement = document.getElementById(stateId);
  const props = stateElement === null ? [] : deserializeProps(stateElement.textContent ?? "[[]]");
  const starts: Comment[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_COMMENT);
  while (walker.nextNode()) {
    const node = walker.currentNode as Comment;
    if (node.data.startsWith(START)) starts.push(node);
  }
  for (const start of starts) {
    const [name, indexText] = start.data.slice(START.length).split(":");
    const component = components[name];
    const end = endMarkerOf(start);
    if (component === undefined || end === null) {
      console.error(`Cannot hydrate island "${name}": ${end === null ? "no end marker" : "its bundle was not loaded"}`);
      continue;
    }
    try {
      hydrate(h(component, props[Number(indexText)] ?? {}), islandContainer(start, end));
    } catch (error) {
      console.error(`Cannot hydrate island "${name}":`, error);
    }
  }
}

function endMarkerOf(start: Comment): Comment | null {
  for (let node = start.nextSibling; node !== null; node = node.nextSibling) {
    if (node.nodeType === Node.COMMENT_NODE && (node as Comment).data === END) return node as Comment;
  }
  return null;
}

function islandContainer(start: Comment, end: Comment): ContainerNode {
  const parent = start.parentNode as Node & ParentNode;
  const between = (): Node[] => {
    const nodes: Node[] = [];
    for (let node = start.nextSibling; node !== null && node !== end; node = node.nextSibling) nodes.push(node);
    return nodes;
  };
  const container = {
    nodeType: 1,
    parentNode: parent,
    namespaceURI: (parent as Element).namespaceURI,
    ownerDocument: parent.ownerDocument,
    get firstChild(): Node | null {
      return start.nextSibling === end ? null : start.nextSibling;
    },
    get childNodes(): Node[] {
      return between();
    },
    insertBefore(node: Node, child: Node | null): Node {
      // `child` may lie past the end marker (Preact skipped our comments); keep the island's nodes inside.
      const reference = child !== null && between().includes(child) ? child : end;
      return parent.insertBefore(node, reference);
    },
    appendChild(node: Node): Node {
      return parent.insertBefore(node, end);
    },
    removeChild(child: Node): Node {
      return parent.removeChild(child);
    },
  };
  return container as unknown as ContainerNode;
}
