/**
 * Fresh 2's `page()` helper: a handler returns `page(data, { status, headers })` to render the route's
 * default-exported component with `props.data === data`, instead of building a Response itself.
 */

const PAGE_RESPONSE: unique symbol = Symbol.for("fluxbook.web.pageResponse");

export interface PageInit {
  status?: number;
  headers?: HeadersInit;
}

export interface PageResponse<Data = unknown> {
  readonly [PAGE_RESPONSE]: true;
  readonly data: Data;
  readonly status?: number;
  readonly headers?: HeadersInit;
}

/** Ask the app to render this route's page with `data` (Fresh 2: `return page(data)`). */
export function page<Data = undefined>(data?: Data, init: PageInit = {}): PageResponse<Data> {
  return { [PAGE_RESPONSE]: true, data: data as Data, status: init.status, headers: init.headers };
}

/** Whether a handler's return value came from `page()`. */
export function isPageResponse(value: unknown): value is PageResponse<unknown> {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[PAGE_RESPONSE] === true;
}
