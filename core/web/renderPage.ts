/**
 * Renders a route's page to a complete HTML document: `_app` (or a minimal shell) around the page, island
 * markers, one props script for all islands, a module script that imports the boot module and only the
 * bundles of the islands on this page, and modulepreload links for their shared chunks.
 */
import { type ComponentType, type FunctionComponent, h, type VNode } from "preact";
import type { IslandBundles } from "./buildIslandBundles.ts";
import { renderWithIslands } from "./renderWithIslands.ts";
import { serializeProps } from "./serializeProps.ts";
import type { AppProps, PageComponent, PageProps } from "./types.ts";

export const STATE_ELEMENT_ID = "__FRSH_STATE";

export interface RenderPageOptions {
  page: PageComponent;
  props: PageProps;
  app?: ComponentType<AppProps>;
  bundles: IslandBundles;
}

/** Throws when an island's props cannot be serialized (the message names the island and the prop). */
export async function renderPage(options: RenderPageOptions): Promise<string> {
  const { page, props, bundles } = options;
  let Component: ComponentType;
  if (page.constructor.name === "AsyncFunction") {
    // Fresh 2 allows async page components: await them first, then render the vnode they return.
    const vnode = await (page as (props: PageProps) => Promise<VNode | null>)(props);
    Component = () => vnode;
  } else {
    Component = () => h(page as FunctionComponent<PageProps>, props);
  }
  const { html, entries } = renderWithIslands(h(options.app ?? DefaultApp, { ...props, Component }) as VNode);
  let document = /^\s*<!doctype/i.test(html) ? html : `<!DOCTYPE html>${html}`;
  if (entries.length === 0) return document;

  const propsText = serializeProps(entries);
  const names = [...new Set(entries.map((entry) => entry.island))];
  const imports = [`import { bootIslands } from ${jsString(bundles.bootUrl)};`];
  const preload = new Set<string>([bundles.bootUrl, ...bundles.chunkUrls.get(bundles.bootUrl) ?? []]);
  for (const name of names) {
    const url = bundles.islandUrls.get(name);
    if (url === undefined) {
      throw new Error(`Cannot render page: island "${name}" has no bundle (built before it existed?)`);
    }
    imports.push(`import ${name} from ${jsString(url)};`);
    preload.add(url);
    for (const chunk of bundles.chunkUrls.get(url) ?? []) preload.add(chunk);
  }
  const scripts = `<script type="application/json" id="${STATE_ELEMENT_ID}">${propsText}</script>` +
    `<script type="module">${imports.join("")}bootIslands({ ${names.join(", ")} }, ${
      jsString(STATE_ELEMENT_ID)
    });</script>`;
  const links = [...preload].map((url) => `<link rel="modulepreload" href="${url}">`).join("");
  // Without a </head> the links are left out: the module script still imports everything it needs.
  document = insertBefore(document, "</head>", links, "first") ?? document;
  return insertBefore(document, "</body>", scripts, "last") ?? document + scripts;
}

function DefaultApp({ Component }: AppProps): VNode {
  return h<Record<string, unknown>>(
    "html",
    { lang: "en" },
    h("head", null, h("meta", { charset: "utf-8" }), h("meta", { name: "viewport", content: "width=device-width" })),
    h("body", null, h(Component, null)),
  );
}

// URLs are ours (hashed file names), but escape anyway so nothing can close the script element.
function jsString(text: string): string {
  return JSON.stringify(text).replace(/</g, "\\u003c");
}

function insertBefore(html: string, tag: string, insertion: string, which: "first" | "last"): string | null {
  const lower = html.toLowerCase();
  const index = which === "first" ? lower.indexOf(tag) : lower.lastIndexOf(tag);
  return index < 0 ? null : html.slice(0, index) + insertion + html.slice(index);
}
