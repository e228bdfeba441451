/**
 * Binds `$name` parameters of a prepared statement from JSON values: the app's inputs ($symbol, $interval,
 * $from, $to) never become SQL text. DuckDB infers each parameter's type from where it is used; strings are
 * bound as VARCHAR and DuckDB casts them to that type (so "2024-01-02T00:00:00Z" works for a TIMESTAMP), and a
 * number bound where a timestamp is expected is read as ms since the Unix epoch (the chart's range).
 */
import {
  type DuckDBPreparedStatement,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
} from "@duckdb/node-api";
import type { Params, ParamValue } from "./notebookTypes.ts";

export type BindResult = { kind: "ok" } | { kind: "rejected"; message: string };

export function bindParams(prepared: DuckDBPreparedStatement, params: Params): BindResult {
  for (let index = 1; index <= prepared.parameterCount; index++) {
    const name = prepared.parameterName(index);
    if (!Object.hasOwn(params, name)) {
      const given = Object.keys(params);
      return {
        kind: "rejected",
        message: `The query uses $${name} but no value is set for it (set: ${
          given.length === 0 ? "none" : given.map((key) => `$${key}`).join(", ")
        })`,
      };
    }
    const value = params[name];
    const problem = bindOne(prepared, index, value);
    if (problem !== null) {
      return { kind: "rejected", message: `Cannot bind $${name} = ${JSON.stringify(value)}: ${problem}` };
    }
  }
  return { kind: "ok" };
}

function bindOne(prepared: DuckDBPreparedStatement, index: number, value: ParamValue): string | null {
  if (value === null) {
    prepared.bindNull(index);
    return null;
  }
  switch (typeof value) {
    case "string":
      prepared.bindVarchar(index, value);
      return null;
    case "boolean":
      prepared.bindBoolean(index, value);
      return null;
    case "number": {
      if (!Number.isFinite(value)) return "not a finite number";
      const type = prepared.parameterTypeId(index);
      if (type === DuckDBTypeId.TIMESTAMP || type === DuckDBTypeId.TIMESTAMP_TZ) {
        const micros = BigInt(Math.round(value * 1000));
        if (type === DuckDBTypeId.TIMESTAMP) prepared.bindTimestamp(index, new DuckDBTimestampValue(micros));
        else prepared.bindTimestampTZ(index, new DuckDBTimestampTZValue(micros));
        return null;
      }
      if (Number.isSafeInteger(value)) prepared.bindBigInt(index, BigInt(value));
      else prepared.bindDouble(index, value);
      return null;
    }
    default:
      return `a ${typeof value} is not a SQL parameter value (use a string, number, boolean or null)`;
  }
}
