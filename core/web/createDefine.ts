/**
 * Fresh 2's `createDefine<State>()`: identity helpers that only add types, so routes written as
 * `export const handler = define.handlers({ GET(ctx) {…} })` keep the same shape on real Fresh.
 */
import type { AppProps, PageComponent, RouteHandler } from "./types.ts";
import type { ComponentType } from "preact";

export interface Define<State> {
  handlers<Data = unknown>(handler: RouteHandler<Data, State>): RouteHandler<Data, State>;
  page<Data = unknown>(component: PageComponent<Data, State>): PageComponent<Data, State>;
  app(component: ComponentType<AppProps<unknown, State>>): ComponentType<AppProps<unknown, State>>;
}

export function createDefine<State = unknown>(): Define<State> {
  return {
    handlers: (handler) => handler,
    page: (component) => component,
    app: (component) => component,
  };
}
