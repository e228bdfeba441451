import assert from "node:assert/strict";
import { formatCsvRow } from "../../core/market/formatCsvRow.ts";
import { parseCsv } from "../../core/market/parseCsv.ts";

Deno.test("parseCsv() reads RFC 4180 records and keeps the line each starts on", async (t) => {
  await t.step("quoted commas, escaped quotes and CRLF", () => {
    const text = 'symbol,name\r\nAMZN,"Amazon.com, Inc."\r\nQ,"say ""hi"""\r\n';
    const { records, errors } = parseCsv(text);
    assert.deepEqual(errors, []);
    assert.deepEqual(records, [
      { line: 1, fields: ["symbol", "name"] },
      { line: 2, fields: ["AMZN", "Amazon.com, Inc."] },
      { line: 3, fields: ["Q", 'say "hi"'] },
    ]);
  });

  await t.step("a quoted field spanning lines keeps CRLF inside and later lines count on", () => {
    const { records } = parseCsv('a,"two\r\nlines"\nb,c');
    assert.deepEqual(records, [
      { line: 1, fields: ["a", "two\r\nlines"] },
      { line: 3, fields: ["b", "c"] },
    ]);
  });

  await t.step("LF, blank lines, no final newline, empty fields, BOM", () => {
    const { records } = parseCsv('\uFEFFa,b\n\n,x,\n"",\n\nlast');
    assert.deepEqual(records, [
      { line: 1, fields: ["a", "b"] },
      { line: 3, fields: ["", "x", ""] },
      { line: 4, fields: ["", ""] },
      { line: 6, fields: ["last"] },
    ]);
  });

  await t.step("a lone quoted empty field is a record, not a blank line", () => {
    assert.deepEqual(parseCsv('""\n').records, [{ line: 1, fields: [""] }]);
  });
});

Deno.test("parseCsv() reports malformed records with their line and goes on", async (t) => {
  await t.step("stray quote and text after a closing quote", () => {
    const { records, errors } = parseCsv('ok,1\nbad,ab"c\n"x"y,2\nfine,3\n');
    assert.deepEqual(records.map((r) => r.line), [1, 4]);
    assert.deepEqual(errors.map((e) => e.line), [2, 3]);
    assert.match(errors[0].message, /stray quote/);
    assert.match(errors[1].message, /after the closing quote/);
  });

  await t.step("a quote never closed", () => {
    const { records, errors } = parseCsv('a,b\nc,"open\nmore\n');
    assert.deepEqual(records, [{ line: 1, fields: ["a", "b"] }]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].line, 2);
    assert.match(errors[0].message, /never closed/);
  });
});

Deno.test("formatCsvRow() quotes only what needs it and parseCsv() reads it back", () => {
  const fields = ["plain", "with, comma", 'a "quote"', "multi\nline", ""];
  const row = formatCsvRow(fields);
  assert.equal(row, 'plain,"with, comma","a ""quote""","multi\nline",');
  assert.deepEqual(parseCsv(row).records[0].fields, fields);
});
