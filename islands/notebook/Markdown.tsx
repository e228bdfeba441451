/**
 * The prose between cells, rendered from a small Markdown subset: headings, paragraphs, "-"/"*" lists, fenced
 * blocks, `code`, **bold** and *italic*. Everything is text to Preact (escaped); no HTML passes through.
 */
import type { VNode } from "preact";

export function Markdown(props: { text: string }): VNode | null {
  const blocks = parseBlocks(props.text);
  if (blocks.length === 0) return null;
  return (
    <div class="nb-prose">
      {blocks.map((block, i) => {
        switch (block.kind) {
          case "heading": {
            const Tag = `h${Math.min(6, block.level + 1)}` as "h2";
            return <Tag key={i}>{inline(block.text)}</Tag>;
          }
          case "list":
            return <ul key={i}>{block.items.map((item, j) => <li key={j}>{inline(item)}</li>)}</ul>;
          case "code":
            return <pre key={i}><code>{block.text}</code></pre>;
          case "paragraph":
            return <p key={i}>{inline(block.text)}</p>;
        }
      })}
    </div>
  );
}

type Block =
  | { kind: "heading"; level: number; text: string }
  | { kind: "list"; items: string[] }
  | { kind: "code"; text: string }
  | { kind: "paragraph"; text: string };

function parseBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split("\n");
  let paragraph: string[] = [];
  const flush = (): void => {
    if (paragraph.length > 0) blocks.push({ kind: "paragraph", text: paragraph.join(" ") });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading !== null) {
      flush();
      blocks.push({ kind: "heading", level: heading[1].length, text: heading[2] });
    } else if (/^\s*[-*]\s+/.test(line)) {
      flush();
      const last = blocks.at(-1);
      const item = line.replace(/^\s*[-*]\s+/, "");
      if (last?.kind === "list") last.items.push(item);
      else blocks.push({ kind: "list", items: [item] });
    } else if (/^(`{3,}|~{3,})/.test(line)) {
      flush();
      const fence = /^(`{3,}|~{3,})/.exec(line)![1];
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith(fence); i++) body.push(lines[i]);
      blocks.push({ kind: "code", text: body.join("\n") });
    } else if (line.trim() === "") {
      flush();
    } else {
      paragraph.push(line.trim());
    }
  }
  flush();
  return blocks;
}

function inline(text: string): (string | VNode)[] {
  const parts: (string | VNode)[] = [];
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index! > last) parts.push(text.slice(last, match.index));
    if (match[1] !== undefined) parts.push(<code>{match[1]}</code>);
    else if (match[2] !== undefined) parts.push(<strong>{match[2]}</strong>);
    else parts.push(<em>{match[3]}</em>);
    last = match.index! + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}
