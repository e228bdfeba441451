/**
 * The shapes route modules are written against. They follow Fresh 2 so that routes move to real Fresh by
 * changing imports: `export const handler = { GET(ctx) {…} }` (or one function for every method) and/or
 * `export default function Page(props) {…}`.
 */
import type { ComponentType, VNode } from "preact";
import type { PageResponse } from "./page.ts";

/** The methods a handler object may define. */
export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

export type HttpMethod = typeof HTTP_METHODS[number];

/** What a handler gets (Fresh 2's `ctx`). */
export interface Context<State = unknown> {
  readonly req: Request;
  readonly url: URL;
  /** Decoded path parameters; a catch-all's value is the rest of the path ("a/b"), "" when empty. */
  readonly params: Readonly<Record<string, string>>;
  /** The app's `state` option, copied shallowly for each request. */
  readonly state: State;
  /** The matched route's pattern, e.g. "/items/:id". */
  readonly route: string;
}

/** A handler returns a Response (sent as is) or `page(data)` (renders the route's component). */
export type HandlerResult<Data = unknown> = Response | PageResponse<Data>;

export type HandlerFn<Data = unknown, State = unknown> = (
  ctx: Context<State>,
) => HandlerResult<Data> | Promise<HandlerResult<Data>>;

export type HandlerByMethod<Data = unknown, State = unknown> = Partial<Record<HttpMethod, HandlerFn<Data, State>>>;

/** `export const handler`: one function for every method, or one per method. */
export type RouteHandler<Data = unknown, State = unknown> = HandlerFn<Data, State> | HandlerByMethod<Data, State>;

/** Props of a route's default-exported component. */
export interface PageProps<Data = unknown, State = unknown> {
  readonly data: Data;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly state: State;
  readonly req: Request;
  readonly route: string;
}

/** Props of `_app.tsx`: the page's props plus `Component`, which renders the page. */
export interface AppProps<Data = unknown, State = unknown> extends PageProps<Data, State> {
  readonly Component: ComponentType;
}

/** A page component (a function); Fresh 2 also allows async ones, awaited before rendering. */
export type PageComponent<Data = unknown, State = unknown> = (
  props: PageProps<Data, State>,
) => VNode | null | Promise<VNode | null>;

/** What a file under routes/ may export. */
export interface RouteModule {
  handler?: RouteHandler<unknown, unknown>;
  default?: PageComponent<unknown, unknown>;
}
