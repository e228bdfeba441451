/**
 * A small SQL tokenizer for layout only: where a cell's first keywords and its trailing semicolon are, so that
 * upstream cells can be spliced in front of it as CTEs without moving its text. It never decides what is
 * allowed to run; DuckDB's parser does that (see checkStatement.ts).
 *
 * Knows DuckDB's lexical forms that can hide a keyword or a semicolon: `--` and nested `/* *\/` comments,
 * '…' strings (with '' and, after E, backslash escapes), "…" identifiers and $tag$…$tag$ strings.
 */

export type SqlTokenKind = "word" | "quoted" | "string" | "number" | "param" | "punct";

export interface SqlToken {
  kind: SqlTokenKind;
  text: string;
  /** 0-based UTF-16 offsets, `end` exclusive. */
  offset: number;
  end: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DIGIT = /[0-9]/;

/** Every token of `sql`, comments and whitespace skipped. An unterminated string or comment ends the scan. */
export function scanSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
      i++;
      continue;
    }
    if (c === "-" && sql[i + 1] === "-") {
      const newline = sql.indexOf("\n", i);
      i = newline < 0 ? n : newline + 1;
      continue;
    }
    if (c === "/" && sql[i + 1] === "*") {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === "/" && sql[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (sql[i] === "*" && sql[i + 1] === "/") {
          depth--;
          i += 2;
        } else i++;
      }
      continue;
    }
    const start = i;
    if (c === "'") {
      i = endOfQuoted(sql, i, "'", false);
      tokens.push({ kind: "string", text: sql.slice(start, i), offset: start, end: i });
      continue;
    }
    if (c === '"') {
      i = endOfQuoted(sql, i, '"', false);
      tokens.push({ kind: "quoted", text: sql.slice(start, i), offset: start, end: i });
      continue;
    }
    if (c === "$") {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66));
      if (tag !== null) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? n : close + tag[0].length;
        tokens.push({ kind: "string", text: sql.slice(start, i), offset: start, end: i });
        continue;
      }
      i++;
      while (i < n && WORD_PART.test(sql[i]) && sql[i] !== "$") i++;
      tokens.push({ kind: "param", text: sql.slice(start, i), offset: start, end: i });
      continue;
    }
    if (c === "?") {
      i++;
      tokens.push({ kind: "param", text: "?", offset: start, end: i });
      continue;
    }
    if (WORD_START.test(c)) {
      if ((c === "e" || c === "E") && sql[i + 1] === "'") {
        i = endOfQuoted(sql, i + 1, "'", true);
        tokens.push({ kind: "string", text: sql.slice(start, i), offset: start, end: i });
        continue;
      }
      while (i < n && WORD_PART.test(sql[i])) i++;
      tokens.push({ kind: "word", text: sql.slice(start, i), offset: start, end: i });
      continue;
    }
    if (DIGIT.test(c) || (c === "." && DIGIT.test(sql[i + 1] ?? ""))) {
      while (i < n && /[0-9._eE]/.test(sql[i])) i++;
      tokens.push({ kind: "number", text: sql.slice(start, i), offset: start, end: i });
      continue;
    }
    i++;
    tokens.push({ kind: "punct", text: c, offset: start, end: i });
  }
  return tokens;
}

/** Offset just past the closing quote of the string or identifier opening at `start`. */
function endOfQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === "\\") {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** Whether a token is the keyword `word` (case-insensitive). */
export function isKeyword(token: SqlToken | undefined, word: string): boolean {
  return token !== undefined && token.kind === "word" && token.text.toUpperCase() === word;
}
