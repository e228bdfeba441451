/** One CSV record and the 1-based line it starts on (a quoted field may span several lines). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** A record the parser could not read; it is left out of `records`. */
export interface CsvSyntaxError {
  line: number;
  message: string;
}

export interface CsvParseResult {
  records: CsvRecord[];
  errors: CsvSyntaxError[];
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/**
 * Reads RFC 4180 CSV: fields separated by commas, records by CRLF or LF (a lone CR counts too), fields in
 * double quotes may hold commas, line breaks and `""` for a quote. Blank lines are skipped and a leading
 * byte-order mark is dropped. A malformed record (a stray quote, text after a closing quote, a quote never
 * closed) is reported with its line and skipped; the parser then goes on with the next record.
 */
export function parseCsv(text: string): CsvParseResult {
  const records: CsvRecord[] = [];
  const errors: CsvSyntaxError[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;

  while (i < n) {
    const recordLine = line;
    const fields: string[] = [];
    let problem: string | null = null;
    let quoted = false;
    let endOfRecord = false;

    while (!endOfRecord) {
      if (i < n && text.charCodeAt(i) === QUOTE) {
        // Quoted field: runs to the next quote that is not doubled.
        const quoteLine = line;
        quoted = true;
        let value = "";
        let start = ++i;
        let closed = false;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            if (text.charCodeAt(i + 1) === QUOTE) {
              value += text.slice(start, i + 1);
              i += 2;
              start = i;
              continue;
            }
            value += text.slice(start, i);
            i++;
            closed = true;
            break;
          }
          if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) line++;
          i++;
        }
        if (!closed) {
          errors.push({ line: quoteLine, message: `quoted field opened on line ${quoteLine} is never closed` });
          return { records, errors };
        }
        fields.push(value);
        const next = i < n ? text.charCodeAt(i) : LF;
        if (next !== COMMA && next !== LF && next !== CR) {
          problem ??= `unexpected text after the closing quote of field ${fields.length}`;
          // Skip to the end of this field so the error stays confined to this record.
          while (i < n && text.charCodeAt(i) !== COMMA && text.charCodeAt(i) !== LF && text.charCodeAt(i) !== CR) i++;
        }
      } else {
        const start = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) problem ??= `stray quote inside unquoted field ${fields.length + 1}`;
          i++;
        }
        fields.push(text.slice(start, i));
      }

      if (i >= n) {
        endOfRecord = true;
      } else {
        const c = text.charCodeAt(i);
        if (c === COMMA) {
          i++;
          // A trailing comma at the very end of the text still ends with one empty field.
          if (i >= n) {
            fields.push("");
            endOfRecord = true;
          }
        } else {
          i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
          line++;
          endOfRecord = true;
        }
      }
    }

    if (problem !== null) {
      errors.push({ line: recordLine, message: problem });
    } else if (quoted || fields.length > 1 || fields[0] !== "") {
      records.push({ line: recordLine, fields });
    }
  }
  return { records, errors };
}
